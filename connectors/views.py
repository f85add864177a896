"""Staff pages of the connectors: the reconciliation report."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from connectors.reconciliation import reconcile


@staff_member_required
@require_http_methods(["GET", "POST"])
def reconciliation_report(request):
    """GET shows what disagrees (repairing nothing); POST re-delivers the dead events found."""
    if request.method == "POST":
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
            "repairable": any(f.repair for f in findings),
        },
    )
