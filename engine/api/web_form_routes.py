"""REST routes for public web forms (lead capture links): create, list, revoke. Admins only."""
from __future__ import annotations
