from cadence.pagination import BoundedLimitOffsetPagination


def paginated(request, view, queryset, serializer_class):
    """One page of ``queryset`` in the project's limit/offset envelope."""
    paginator = BoundedLimitOffsetPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
