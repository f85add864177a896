"""The cross-context consumers: each one turns an event into a call of another context's api.

One module per connector; importing this package registers them all (``ConnectorsConfig.ready``).
A consumer is thin: it maps the event's payload to one api call. Its effect happens once because
the outbox records the processed event in the same transaction, and because every api it calls
is idempotent on its natural key, so even a redelivery past that record changes nothing.

An event may arrive before the thing it speaks of (an approval before the order item is known):
the api raises its not-found error, the delivery fails and the outbox retries it later.
"""

from connectors.consumers import (  # noqa: F401  (registration happens on import)
    course_sync,
    enrollment_request,
    enrollment_status,
    notifications,
    payouts,
    refunds,
    user_sync,
)
