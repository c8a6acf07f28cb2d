"""Behaviour of list requests: sorting, pagination and query-parameter validation."""
from neutrino.definitions.base import Extension

SORTING = Extension(alias="sorting", name="Sorting support",
                    description="Extension that indicates that sorting is enabled.")
PAGINATION = Extension(alias="pagination", name="Pagination support",
                       description="Extension that indicates that pagination is enabled.")
SORT_KEY_VALIDATION = Extension(
    alias="sort-key-validation", name="Sort Key Validation",
    description="Validates sort_key and rejects invalid ones with 400.",
)
FILTER_VALIDATION = Extension(
    alias="filter-validation", name="Filter parameters validation",
    description="Provides validation on filter parameters.",
    enabled=lambda conf: conf.filter_validation,
)
EMPTY_STRING_FILTERING = Extension(
    alias="empty-string-filtering", name="Empty String Filtering Extension",
    description="Allow filtering by attributes with empty string value.",
)

EXTENSIONS = [SORTING, PAGINATION, SORT_KEY_VALIDATION, FILTER_VALIDATION, EMPTY_STRING_FILTERING]
