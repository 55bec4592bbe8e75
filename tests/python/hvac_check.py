"""hvac, the Python Vault client, against a Vault (the simulator's or OpenBao): AppRole login,
token lookup and renewal, KV v2 read (newest, by version, a missing version), metadata read
and list. Run by tests/python_clients.rs: argv = address, role id, secret id. Prints one line
per check; any failed check raises (exit status 1)."""

import sys

import hvac
from hvac.exceptions import InvalidPath

addr, role_id, secret_id = sys.argv[1:4]
client = hvac.Client(url=addr)

health = client.sys.read_health_status(method="GET")
assert health["initialized"] and not health["sealed"], health
print("health ok", health["version"])

login = client.auth.approle.login(role_id=role_id, secret_id=secret_id)
assert login["auth"]["renewable"], login["auth"].keys()
assert "argocd-read" in login["auth"]["policies"], login["auth"]["policies"]
assert client.is_authenticated()
print("approle login ok")

me = client.auth.token.lookup_self()["data"]
assert me["ttl"] > 0 and me["renewable"], me
print("lookup-self ok", me["display_name"])
renewed = client.auth.token.renew_self(increment="2h")["auth"]
assert renewed["lease_duration"] > 0, renewed
print("renew-self ok")

kv = client.secrets.kv.v2
newest = kv.read_secret_version(path="argocd/dev", mount_point="secret", raise_on_deleted_version=True)["data"]
assert newest["data"] == {"token": "second"} and newest["metadata"]["version"] == 2, newest
first = kv.read_secret_version(path="argocd/dev", version=1, mount_point="secret", raise_on_deleted_version=True)
assert first["data"]["data"] == {"token": "first"}, first
try:
    kv.read_secret_version(path="argocd/dev", version=9, mount_point="secret", raise_on_deleted_version=True)
    raise AssertionError("version 9 must not exist")
except InvalidPath:
    pass
print("kv read by version ok")

meta = kv.read_secret_metadata(path="argocd/dev", mount_point="secret")["data"]
assert meta["current_version"] == 2 and sorted(meta["versions"]) == ["1", "2"], meta
listed = kv.list_secrets(path="argocd", mount_point="secret")["data"]["keys"]
assert listed == ["dev"], listed
print("kv metadata and list ok")
