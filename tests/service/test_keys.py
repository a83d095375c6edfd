"""API keys: stored hashed, and changed safely by several `insider keys` commands at once."""
from __future__ import annotations

import multiprocessing

from service.keys import KeyStore


def _create(args):
    data_dir, name = args
    return name, KeyStore(data_dir).create(name)


def test_keys_created_at_the_same_moment_by_several_processes_all_work(tmp_path):
    names = [f"k{i}" for i in range(8)]
    with multiprocessing.get_context("fork").Pool(8) as pool:
        created = dict(pool.map(_create, [(tmp_path, n) for n in names]))
    store = KeyStore(tmp_path)
    assert store.names() == names
    assert {store.identify(key) for key in created.values()} == set(names)
    assert "isk_" not in (tmp_path / "keys.json").read_text()  # only digests are stored
    assert not list(tmp_path.glob("*.tmp"))


def test_a_revoked_key_stops_working_at_once_for_a_store_that_already_read_it(tmp_path):
    server, admin = KeyStore(tmp_path), KeyStore(tmp_path)
    key = admin.create("alice")
    assert server.identify(key) == "alice"
    admin.revoke("alice")
    assert server.identify(key) is None
