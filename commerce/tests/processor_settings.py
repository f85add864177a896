"""Settings that offer Square or Elavon at checkout, pointed at their local stand-ins."""

from commerce.tests.fake_elavon import MERCHANT_ID, PIN, USER_ID

SQUARE_SIGNATURE_KEY = "sq-signature-key"
SQUARE_WEBHOOK_URL = "https://cadence.example/api/v1/payments/webhooks/square/"


def offer_square(settings, fake, *, also: tuple[str, ...] = ()) -> None:
    settings.PAYMENT_PROCESSORS = ["square", *also]
    settings.SQUARE_ACCESS_TOKEN = "EAAA-fake"
    settings.SQUARE_APPLICATION_ID = "sandbox-sq0idb-fake"
    settings.SQUARE_LOCATION_ID = "LFAKE"
    settings.SQUARE_WEBHOOK_SIGNATURE_KEY = SQUARE_SIGNATURE_KEY
    settings.SQUARE_WEBHOOK_URL = SQUARE_WEBHOOK_URL
    settings.SQUARE_API_BASE = fake.url


def offer_elavon(settings, fake, *, also: tuple[str, ...] = ()) -> None:
    settings.PAYMENT_PROCESSORS = ["elavon", *also]
    settings.ELAVON_MERCHANT_ID = MERCHANT_ID
    settings.ELAVON_USER_ID = USER_ID
    settings.ELAVON_PIN = PIN
    settings.ELAVON_API_BASE = fake.url
