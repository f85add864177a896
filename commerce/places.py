"""Countries and their regions for billing addresses (ISO 3166-1 alpha-2 and ISO 3166-2).

The names and codes come from ``pycountry`` (Debian's iso-codes data, updated with each ISO
change) rather than a list kept here: the regions of every country are thousands of entries
that nobody here should maintain by hand. A region is asked for only where the tax rates make
it matter: a country with an active regional rate (``TaxRate.region``) needs one.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry

from commerce.models import TaxRate


def _by_name(choice: tuple[str, str]) -> str:
    # Åland Islands sorts with the A's, Côte d'Ivoire with the C's.
    return unicodedata.normalize("NFKD", choice[1]).encode("ascii", "ignore").decode().lower()


@cache
def country_choices() -> tuple[tuple[str, str], ...]:
    """Every country as (alpha-2 code, common name), by name."""
    names = (
        (country.alpha_2, getattr(country, "common_name", None) or country.name)
        for country in pycountry.countries
    )
    return tuple(sorted(names, key=_by_name))


@cache
def country_name(code: str) -> str:
    return dict(country_choices()).get(code.upper(), code)


@cache
def region_choices(country: str) -> tuple[tuple[str, str], ...]:
    """The top-level subdivisions of ``country`` as (code without the country prefix, name)."""
    subdivisions = pycountry.subdivisions.get(country_code=country.upper()) or []
    regions = (
        (subdivision.code.split("-", 1)[1], subdivision.name)
        for subdivision in subdivisions
        if subdivision.parent_code is None
    )
    return tuple(sorted(regions, key=_by_name))


def countries_needing_region() -> set[str]:
    """The countries whose tax depends on the region (one query)."""
    return set(
        TaxRate.objects.filter(is_active=True)
        .exclude(region="")
        .values_list("country", flat=True)
        .distinct()
    )
