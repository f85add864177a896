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
from payouts.forms import PayoutAccountForm, TaxInfoForm
from payouts.models import PayoutAccount, TaxInfo
from payouts.selectors import dashboard
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
    template_name = "payouts/dashboard.html"

    def get_context_data(self, **kwargs):
        user_id = self.request.user.public_id
        return super().get_context_data(
            totals=dashboard.earnings_totals(user_id=user_id),
            charts=dashboard.earnings_chart(user_id=user_id),
            chart_height=dashboard.CHART_HEIGHT + 40,
            blockers=payout_blockers(user_id=user_id),
            **kwargs,
        )


class StatementView(LoginRequiredMixin, TemplateView):
    template_name = "payouts/statement.html"

    def get_context_data(self, **kwargs):
        rows = dashboard.statement_rows(user_id=self.request.user.public_id)
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(page=page, **kwargs)


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
