from django.urls import path

from commerce.rest_api import cart, catalog, checkout, orders, payments, revenue

urlpatterns = [
    path("catalog/", catalog.CatalogListApi.as_view(), name="api-catalog"),
    path("catalog/<str:course_id>/", catalog.CatalogDetailApi.as_view(), name="api-catalog-item"),
    path("cart/", cart.CartApi.as_view(), name="api-cart"),
    path("cart/currency/", cart.CartCurrencySetApi.as_view(), name="api-cart-currency"),
    path("cart/items/", cart.CartItemAddApi.as_view(), name="api-cart-add"),
    path(
        "cart/items/<str:catalog_item_id>/",
        cart.CartItemRemoveApi.as_view(),
        name="api-cart-remove",
    ),
    path("checkout/quote/", checkout.CheckoutQuoteApi.as_view(), name="api-checkout-quote"),
    path("checkout/", checkout.CheckoutStartApi.as_view(), name="api-checkout"),
    path(
        "checkout/processors/", checkout.ProcessorListApi.as_view(), name="api-checkout-processors"
    ),
    path(
        "checkout/payments/<str:payment_id>/confirm/",
        checkout.PaymentConfirmApi.as_view(),
        name="api-payment-confirm",
    ),
    path(
        "checkout/payments/<str:payment_id>/complete/",
        checkout.PaymentCompleteApi.as_view(),
        name="api-payment-complete",
    ),
    path("orders/", orders.OrderListApi.as_view(), name="api-orders"),
    path("orders/<str:order_id>/", orders.OrderDetailApi.as_view(), name="api-order"),
    path("orders/<str:order_id>/cancel/", orders.OrderCancelApi.as_view(), name="api-order-cancel"),
    path(
        "orders/items/<str:order_item_id>/refund-request/",
        orders.RefundRequestApi.as_view(),
        name="api-refund-request",
    ),
    path("payments/", payments.PaymentListApi.as_view(), name="api-payments"),
    path("payments/refunds/", orders.RefundIssueApi.as_view(), name="api-refund-issue"),
    path("payments/<str:payment_id>/", payments.PaymentDetailApi.as_view(), name="api-payment"),
    path("revenue/", revenue.RevenueReportApi.as_view(), name="api-revenue"),
]
