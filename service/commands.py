"""`insider keys create|revoke|list` and `insider serve`."""
from __future__ import annotations

from insider import settings as settings_module
from service.keys import KeyStore


def run_keys(args) -> int:
    store = KeyStore(settings_module.load().data_dir)
    if args.action == "create":
        key = store.create(args.name, replace=args.replace)
        print(f"created key {args.name!r}; it is shown once, store it now:")
        print(key)
    elif args.action == "revoke":
        store.revoke(args.name)
        print(f"revoked key {args.name!r}")
    else:
        for name in store.names():
            print(name)
    return 0


def run_serve(args) -> int:
    from service.app import create_app

    create_app().run(host=args.host, port=args.port)
    return 0


def register(sub) -> None:
    p = sub.add_parser("keys", help="manage API keys (stored hashed under INSIDER_DATA_DIR)")
    p.add_argument("action", choices=("create", "revoke", "list"))
    p.add_argument("name", nargs="?", default="")
    p.add_argument("--replace", action="store_true", help="with create: replace an existing key of that name")
    p.set_defaults(run=run_keys)

    p = sub.add_parser("serve", help="development server (production: gunicorn, see the Makefile)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=run_serve)
