from django.urls import path

from payouts import views
from payouts.rest_api import views as api_views

app_name = "payouts"

urlpatterns = [
    path("earnings/", views.DashboardView.as_view(), name="dashboard"),
    path("earnings/statement/", views.StatementView.as_view(), name="statement"),
    path("earnings/statement.csv", views.StatementCsvView.as_view(), name="statement-csv"),
    path("earnings/payouts/", views.PayoutHistoryView.as_view(), name="payouts"),
    path("earnings/account/", views.PayoutAccountView.as_view(), name="account"),
    path("earnings/tax-info/", views.TaxInfoView.as_view(), name="tax-info"),
    path(
        "earnings/1099/<int:year>/statement.pdf",
        views.Form1099StatementView.as_view(),
        name="form-1099-statement",
    ),
    path(
        "earnings/1099/<int:year>/statement.csv",
        views.Form1099StatementCsvView.as_view(),
        name="form-1099-statement-csv",
    ),
    path("earnings/1099/<int:year>.csv", views.Form1099ExportView.as_view(), name="form-1099-csv"),
    path(
        "api/v1/payouts/earned-revenue/",
        api_views.EarnedRevenueListApi.as_view(),
        name="api-earned-revenue",
    ),
    path("api/v1/payouts/payouts/", api_views.PayoutListApi.as_view(), name="api-payouts"),
    path("api/v1/payouts/accounts/", api_views.PayoutAccountListApi.as_view(), name="api-accounts"),
    path(
        "api/v1/payouts/revenue-share-configs/",
        api_views.RevenueShareConfigListApi.as_view(),
        name="api-revenue-share-configs",
    ),
]
