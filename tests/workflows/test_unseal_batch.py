"""A batch of outbox messages reads each distinct secret once, and a message whose secret can't be read gets the
error it got when each message was unsealed alone (its first unreadable handle), the others their text."""
from __future__ import annotations

from sqlalchemy import event

from engine import secrets
from engine.workflows.secrets import unseal_config, unseal_configs


def _store(rt, text: str) -> dict:
    with rt.db.transaction() as conn:
        return secrets.store(conn, rt, owner_kind="workflow", owner_id=1, text=text, created_by=None)


def test_a_batch_gives_each_message_what_unsealing_it_alone_gave(rt):
    url, key = _store(rt, "http://127.0.0.1:9/hook"), _store(rt, "s3cret")
    missing = {"$secret": url["$secret"][:-4] + "0000"}
    configs = [{"url": url, "secret": key}, {"url": url}, {"url": missing, "secret": key}, {"plain": "x"}] * 50
    with rt.db.read() as conn:
        batch = unseal_configs(conn, rt, configs)
        for config, got in zip(configs, batch):
            try:
                alone = unseal_config(conn, rt, config)
            except secrets.SecretUnavailable as exc:
                assert isinstance(got, secrets.SecretUnavailable) and str(got) == str(exc)
            else:
                assert got == alone
    assert batch[0] == {"url": "http://127.0.0.1:9/hook", "secret": "s3cret"}
    assert isinstance(batch[2], secrets.SecretUnavailable) and "does not exist" in str(batch[2])
    assert batch[3] == {"plain": "x"}


def test_a_batch_naming_one_secret_reads_it_once(rt):
    """As many statements for 200 messages as for one (the secret's row, once), not one per message."""
    url = _store(rt, "http://127.0.0.1:9/hook")
    counts = []
    for size in (1, 200):
        statements: list[str] = []
        with rt.db.read() as conn:
            event.listen(conn, "before_cursor_execute", lambda *args: statements.append(args[2]))
            out = unseal_configs(conn, rt, [{"url": url}] * size)
        assert out == [{"url": "http://127.0.0.1:9/hook"}] * size
        counts.append(len(statements))
    assert counts[1] == counts[0] <= 2
