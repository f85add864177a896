"""Staff pages of the connectors: the reconciliation report."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from connectors.reconciliation import reconcile

VIEW_PERMISSION = "connectors.view_reconciliation"
REDELIVER_PERMISSION = "connectors.replay_outboxdelivery"


# Staff status lets the page into the admin's frame (and sends others to its login); the
# permissions say who may read the report and who may re-deliver from it.
@staff_member_required
@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def reconciliation_report(request):
    """GET shows what disagrees (repairing nothing); POST re-delivers the dead events found."""
    may_redeliver = request.user.has_perm(REDELIVER_PERMISSION)
    if request.method == "POST":
        if not may_redeliver:
            raise PermissionDenied
        redelivered = sum(len(f.dead_delivery_ids) for f in reconcile(repair=True))
        messages.success(request, f"{redelivered} dead-lettered event(s) delivered again.")
        return redirect("connectors-reconciliation")
    findings = reconcile(repair=False)
    return render(
        request,
        "connectors/reconciliation.html",
        {
            **admin.site.each_context(request),  # the admin's header, title and user links
            "title": "Reconciliation",
            "findings": findings,
            "repairable": may_redeliver and any(f.repair for f in findings),
        },
    )
