from django.urls import path

from bench.baseline.views import RowCreate, RowDetail

urlpatterns = [
    path("rows/<int:pk>", RowDetail.as_view(), name="row"),
    path("rows", RowCreate.as_view(), name="rows"),
]
