from django.urls import include, path

from commerce import pay_views, views

app_name = "commerce"

urlpatterns = [
    path("catalog/", views.CatalogView.as_view(), name="catalog"),
    path("catalog/<str:course_id>/", views.CourseView.as_view(), name="course"),
    path("cart/", views.CartView.as_view(), name="cart"),
    path("cart/add/", views.CartAddView.as_view(), name="cart-add"),
    path("cart/remove/", views.CartRemoveView.as_view(), name="cart-remove"),
    path("checkout/", views.CheckoutView.as_view(), name="checkout"),
    path(
        "checkout/payments/<str:payment_id>/authenticate/",
        views.AuthenticateView.as_view(),
        name="authenticate",
    ),
    path(
        "checkout/payments/<str:payment_id>/pay/", views.StripePayView.as_view(), name="stripe-pay"
    ),
    path(
        "checkout/payments/<str:payment_id>/return/",
        views.StripeReturnView.as_view(),
        name="stripe-return",
    ),
    path(
        "checkout/payments/<str:payment_id>/square/",
        pay_views.SquarePayView.as_view(),
        name="square-pay",
    ),
    path(
        "checkout/payments/<str:payment_id>/elavon/",
        pay_views.ElavonPayView.as_view(),
        name="elavon-pay",
    ),
    path(
        "checkout/payments/<str:payment_id>/elavon/return/",
        pay_views.ElavonReturnView.as_view(),
        name="elavon-return",
    ),
    path("orders/", views.OrderListView.as_view(), name="orders"),
    path("orders/<str:order_id>/", views.OrderView.as_view(), name="order"),
    path("orders/<str:order_id>/receipt.pdf", views.ReceiptPdfView.as_view(), name="receipt-pdf"),
    path("orders/<str:order_id>/cancel/", views.OrderCancelView.as_view(), name="order-cancel"),
    path(
        "orders/items/<str:order_item_id>/refund/",
        views.RefundRequestView.as_view(),
        name="refund-request",
    ),
    # One address per processor; Stripe's has always been .../webhooks/stripe/.
    path(
        "api/v1/payments/webhooks/<str:processor>/",
        views.ProcessorWebhookView.as_view(),
        name="processor-webhook",
    ),
    path(
        ".well-known/apple-developer-merchantid-domain-association",
        views.ApplePayDomainAssociationView.as_view(),
        name="apple-pay-domain-association",
    ),
    path("api/v1/", include("commerce.rest_api.urls")),
]
