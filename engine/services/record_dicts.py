"""A stored record row as the API, the exports and the templates see it: one dict shape, below every service that
hands records out (the read gate included), so none of them imports the write path to build it."""
from __future__ import annotations

from engine.clock import utc_iso
from engine.definitions import CompiledForm


def record_dict(row, form: CompiledForm) -> dict:
    return {"id": row["id"], "form": form.key, "app": form.app_key, "version": row["version"], "form_version": row["form_version"],
            "data": row["data"], "owner_id": row["owner_id"], "created_by": row["created_by"], "created_at": utc_iso(row["created_at"]),
            "updated_by": row["updated_by"], "updated_at": utc_iso(row["updated_at"]),
            "deleted_at": utc_iso(row["deleted_at"]) if row["deleted_at"] else None}
