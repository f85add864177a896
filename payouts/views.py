"""Earnings pages for creators and instructors. Each view reads selectors or calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from payouts.errors import PayoutsError
from payouts.forms import PayoutAccountForm, StatementFilterForm, TaxInfoForm
from payouts.models import EarnedRevenue, PayoutAccount, TaxInfo
from payouts.selectors import dashboard, statement
from payouts.selectors.accounts import payout_blockers
from payouts.selectors.tax_forms import (
    form_1099_filing_years,
    form_1099_for,
    form_1099_rows,
    form_1099_years_for,
    threshold_for,
)
from payouts.services.accounts import payout_account_save, tax_info_save
from payouts.tax_exports import form_1099_csv, form_1099_pdf


class DashboardView(LoginRequiredMixin, TemplateView):
    """Totals, the chart and what holds the money back. Someone with nothing to earn (a
    learner) is told what the page is for, never that money of theirs is held."""

    template_name = "payouts/dashboard.html"

    def get_context_data(self, **kwargs):
        user_id = self.request.user.public_id
        if not dashboard.earns(user_id=user_id):
            return super().get_context_data(earns=False, **kwargs)
        return super().get_context_data(
            earns=True,
            totals=dashboard.earnings_totals(user_id=user_id),
            charts=dashboard.earnings_chart(user_id=user_id),
            blockers=payout_blockers(user_id=user_id),
            **kwargs,
        )


def _statement_filters(request) -> tuple[StatementFilterForm, dict]:
    form = StatementFilterForm(request.GET or None, statuses=EarnedRevenue.Status.choices)
    if not form.is_bound or not form.is_valid():
        return form, {}
    since, until = form.bounds(timezone.now().date())
    return form, {"since": since, "until": until, "status": form.cleaned_data["status"]}


class StatementView(LoginRequiredMixin, TemplateView):
    """Each share with its course, sale date and amounts in the sale's currency; filters by
    period and status; 50 a page."""

    template_name = "payouts/statement.html"

    def get_context_data(self, **kwargs):
        form, filters = _statement_filters(self.request)
        rows = statement.statement_rows(user_id=self.request.user.public_id, **filters)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=form,
            page=page,
            lines=[statement.statement_line(row) for row in page],
            query=query.urlencode(),
            **kwargs,
        )


class StatementCsvView(LoginRequiredMixin, View):
    """The statement with the same filters, as CSV for a spreadsheet or an accountant."""

    def get(self, request):
        form, filters = _statement_filters(request)
        if form.is_bound and not form.is_valid():
            return HttpResponse("Check the statement's filters.", status=400)
        rows = statement.statement_rows(user_id=request.user.public_id, **filters)
        response = HttpResponse(statement.statement_csv(rows), content_type="text/csv")
        stamp = timezone.now().date().isoformat()
        response["Content-Disposition"] = f'attachment; filename="earnings-statement-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


class PayoutHistoryView(LoginRequiredMixin, TemplateView):
    template_name = "payouts/payouts.html"

    def get_context_data(self, **kwargs):
        rows = dashboard.payout_history(user_id=self.request.user.public_id)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


class PayoutAccountView(LoginRequiredMixin, FormView):
    template_name = "payouts/account.html"
    form_class = PayoutAccountForm

    def account(self):
        return PayoutAccount.objects.filter(user_id=self.request.user.public_id).first()

    def get_initial(self):
        account = self.account()
        if account is None:
            return {}
        initial = {"method": account.method}
        for key, name in PayoutAccountForm.DETAIL_FIELDS.items():
            # Bank account numbers are not kept in details and not shown back, like a TIN.
            if key in account.details:
                initial[name] = account.details[key]
        return initial

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.account(), **kwargs)

    def form_valid(self, form):
        try:
            payout_account_save(
                user_id=self.request.user.public_id,
                method=form.cleaned_data["method"],
                details=form.details(),
            )
        except PayoutsError as error:
            form.add_error(form.field_for(error.field), error.message)
            return self.form_invalid(form)
        messages.success(self.request, "Payout account saved. It will be verified before use.")
        return redirect("payouts:account")


class TaxInfoView(LoginRequiredMixin, FormView):
    template_name = "payouts/tax_info.html"
    form_class = TaxInfoForm

    def info(self):
        return TaxInfo.objects.filter(user_id=self.request.user.public_id).first()

    def get_initial(self):
        info = self.info()
        if info is None:
            return {}
        initial = {name: getattr(info, name) for name in TaxInfoForm.PLAIN}
        initial.update(form=info.form, date_of_birth=info.date_of_birth)
        return initial

    def get_context_data(self, **kwargs):
        user = self.request.user
        filing_years = form_1099_filing_years() if user.has_perm("payouts.view_taxinfo") else []
        return super().get_context_data(
            info=self.info(),
            years=form_1099_years_for(user_id=user.public_id),
            threshold=threshold_for(timezone.now().year),
            filing_years=filing_years,
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            tax_info_save(
                user_id=self.request.user.public_id,
                form=data["form"],
                tin=data["tin"],
                date_of_birth=data["date_of_birth"],
                certify=data["certify"],
                **{name: data[name] for name in TaxInfoForm.PLAIN},
            )
        except PayoutsError as error:
            name = {"signatureName": "signature_name"}.get(error.field, error.field)
            form.add_error(name if name in form.fields else None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, "Tax information saved.")
        return redirect("payouts:tax-info")


class Form1099StatementView(LoginRequiredMixin, View):
    """The payee's own 1099-NEC statement for a year, as a PDF (TIN masked)."""

    def get(self, request, year: int):
        row = form_1099_for(year=year, user_id=request.user.public_id)
        if row is None:
            raise Http404("No 1099-NEC statement for that year.")
        response = HttpResponse(form_1099_pdf(year=year, row=row), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="1099-nec-{year}.pdf"'
        return response


class Form1099StatementCsvView(LoginRequiredMixin, View):
    """The payee's own 1099-NEC data for a year, as CSV (TIN masked, as on the PDF)."""

    def get(self, request, year: int):
        row = form_1099_for(year=year, user_id=request.user.public_id)
        if row is None:
            raise Http404("No 1099-NEC statement for that year.")
        text = form_1099_csv(year=year, rows=[row], tin_in_clear=False)
        response = HttpResponse(text, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="1099-nec-{year}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


class Form1099ExportView(PermissionRequiredMixin, View):
    """Staff: the filing CSV for a year, with TINs in clear."""

    permission_required = "payouts.view_taxinfo"
    raise_exception = True

    def get(self, request, year: int):
        text = form_1099_csv(year=year, rows=form_1099_rows(year=year))
        response = HttpResponse(text, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="1099-nec-{year}.csv"'
        return response
