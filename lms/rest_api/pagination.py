def paginated(request, view, queryset, serializer_class):
    """One page of ``queryset`` in the project's limit/offset envelope (the view's
    ``pagination_class``, which the API docs read too)."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
