"""argocd-python-client (Argo CD's REST client generated from its OpenAPI document) against
the simulator: log in, list and get applications with the generated, type-checked models,
read the resource tree and the read-only catalog (projects, clusters, repositories), sync
an app, see an unknown route's JSON error, and create and delete an Application (what
`new-service` and previews do through the API). Run by tests/python_clients.rs with argv =
an instance's base URL and a user (whose password is the name, as the simulator's demo users).
Any failed check raises (exit status 1)."""

import json
import sys

import argocd_python_client as ac
from argocd_python_client.api import (
    application_service_api,
    cluster_service_api,
    project_service_api,
    repository_service_api,
    session_service_api,
)
from argocd_python_client.exceptions import ApiException, NotFoundException
from argocd_python_client.model.application_application_sync_request import ApplicationApplicationSyncRequest
from argocd_python_client.model.session_session_create_request import SessionSessionCreateRequest
from argocd_python_client.model.v1_object_meta import V1ObjectMeta
from argocd_python_client.model.v1alpha1_application import V1alpha1Application

base, user = sys.argv[1:3]
config = ac.Configuration(host=base)
token = session_service_api.SessionServiceApi(ac.ApiClient(config)).session_service_create(
    SessionSessionCreateRequest(username=user, password=user)
).token
api_client = ac.ApiClient(config, header_name="Authorization", header_value="Bearer " + token)
apps = application_service_api.ApplicationServiceApi(api_client)

listed = apps.application_service_list()
names = [a.metadata.name for a in listed.items]
assert names == sorted(names) and names, names
print("list ok", len(names))

name = names[0]
app = apps.application_service_get(name)
assert app.metadata.name == name and app.status.health.status, app.status.health
print("get ok", name, app.status.health.status)

tree = apps.application_service_resource_tree(name)
assert any(n.kind == "Pod" for n in tree.nodes), [n.kind for n in tree.nodes]
print("resource tree ok", len(tree.nodes))

projects = project_service_api.ProjectServiceApi(api_client)
project = projects.project_service_get(app.spec.project)
assert project.metadata.name == app.spec.project
assert app.spec.project in [p.metadata.name for p in projects.project_service_list().items]
# This client was generated in 2021 from a swagger that typed int64 as string; today's
# swagger (the reference) and Argo CD's encoding/json send numbers (applicationsCount,
# cacheInfo counts), so its type check is off for the cluster list only.
clusters = cluster_service_api.ClusterServiceApi(api_client).cluster_service_list(_check_return_type=False)
clusters = clusters["items"] if isinstance(clusters, dict) else clusters.items
assert [c["server"] for c in clusters] == [app.spec.destination.server], clusters
assert isinstance(clusters[0]["info"]["applicationsCount"], int), clusters[0]["info"]
repos = repository_service_api.RepositoryServiceApi(api_client).repository_service_list_repositories().items
assert [r.repo for r in repos] == [app.spec.source.repo_url], repos
print("catalog ok")

synced = apps.application_service_sync(name, ApplicationApplicationSyncRequest(name=name, prune=False))
assert synced.operation.sync.revision, synced.operation
print("sync ok", synced.operation.initiated_by.username)

try:
    api_client.call_api("/api/v1/no-such-route", "GET", auth_settings=[], _return_http_data_only=True,
                        _preload_content=False, response_type=None)
    raise AssertionError("an unknown route must fail")
except NotFoundException as e:
    body = json.loads(e.body)
    assert body["code"] == 5 and body["message"] == "Not Found", body
print("unknown route ok")

# Create a copy of `app` under a new name and environment label: answered with the app; the
# same spec again is answered with it too (Argo CD's server compares specs), then delete it.
labels = dict(app.metadata.labels)
labels["app.kubernetes.io/environment"] = "pyclient"
copy = V1alpha1Application(metadata=V1ObjectMeta(name="pyclient-copy", labels=labels), spec=app.spec)
made = apps.application_service_create(copy)
assert made.metadata.name == "pyclient-copy" and made.spec.source.path == app.spec.source.path, made
assert apps.application_service_create(copy).metadata.name == "pyclient-copy"
assert apps.application_service_get("pyclient-copy").metadata.labels["app.kubernetes.io/environment"] == "pyclient"
# This generated client sends no Content-Type on DELETE, which Argo CD refuses (the reference:
# `enforceContentTypes` applies to DELETE too); with the header it deletes.
try:
    apps.application_service_delete("pyclient-copy", cascade=True)
    raise AssertionError("a DELETE without Content-Type must be refused")
except ApiException as e:
    assert e.status == 415 and e.body == "Invalid content type", (e.status, e.body)
api_client.set_default_header("Content-Type", "application/json")
apps.application_service_delete("pyclient-copy", cascade=True)
try:
    apps.application_service_get("pyclient-copy")
    raise AssertionError("the deleted app must be gone")
except ApiException as e:
    # Without `project`, a missing app is 403 (existence hidden), as for a forbidden one.
    assert e.status == 403, (e.status, e.body)
print("create and delete ok")
