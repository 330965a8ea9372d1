"""Drive a kizuna node with the OASIS taxii2-client (v21) and check each answer
against TAXII 2.1.

Usage (the client package on PYTHONPATH, a publisher principal's name and token):

    PYTHONPATH=/tmp/taxii2client /usr/bin/python3 docs/interop/taxii2client_flow.py \
        http://127.0.0.1:8443/taxii2/ NAME TOKEN COLLECTION [CREATOR]

COLLECTION is the id or alias of a collection the principal may read and write.
The objects posted carry no created_by_ref, as a client's often do; with CREATOR
(an identity id: the principal's organisation) they name it.
Each check prints PASS or FAIL with what was seen; the exit status is the number
of failures (0: the whole flow conforms).
"""

import datetime
import json
import sys
import time
import uuid

import requests
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages
from taxii2client.exceptions import TAXIIServiceException

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"

failures = []


def check(name, ok, seen=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else "  -- " + str(seen)[:400]))
    if not ok:
        failures.append(name)
    return ok


def attempt(name, fn):
    """Runs fn; a raised exception is a failed check named name."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - every client error is a finding
        detail = repr(e)
        resp = getattr(e, "response", None)
        if resp is not None:
            detail += " body=" + resp.text[:300]
        check(name, False, detail)
        return None


def stamp(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


CREATOR = None


def creator(obj):
    if CREATOR:
        obj["created_by_ref"] = CREATOR
    return obj


def indicator(oid, created, modified, n):
    return creator({
        "type": "indicator", "spec_version": "2.1", "id": oid,
        "created": stamp(created), "modified": stamp(modified),
        "name": "interop indicator %d" % n, "pattern_type": "stix",
        "pattern": "[ipv4-addr:value = '198.51.100.%d']" % n,
        "valid_from": stamp(created),
    })


def malware(oid, t):
    return creator({
        "type": "malware", "spec_version": "2.1", "id": oid,
        "created": stamp(t), "modified": stamp(t),
        "name": "interop malware", "is_family": False,
    })


def ids(envelope):
    return [o["id"] for o in envelope.get("objects", [])]


def versions_of(envelope, oid):
    return sorted(o["modified"] for o in envelope.get("objects", []) if o["id"] == oid)


def main(url, user, token, coll):
    base = datetime.datetime(2026, 3, 1, 12, 0, 0, 123000)
    x = "indicator--" + str(uuid.uuid4())  # three versions
    y = "malware--" + str(uuid.uuid4())    # deleted at the end
    z = "indicator--" + str(uuid.uuid4())  # posted in the second envelope
    xv = [base, base + datetime.timedelta(hours=1), base + datetime.timedelta(hours=2)]

    # Discovery, API root, collections.
    server = Server(url, user=user, password=token)
    check("discovery: title", bool(server.title), server._raw)
    check("discovery: api_roots", len(server.api_roots) >= 1, server._raw)
    root = server.default or server.api_roots[0]
    check("api root: versions lists TAXII 2.1", TAXII in (root.versions or []), root._raw)
    check("api root: max_content_length", isinstance(root.max_content_length, int) and root.max_content_length > 0, root._raw)
    target = None
    for c in root.collections:
        if c.id == coll or c.alias == coll:
            target = c
    if not check("collections: the target is listed", target is not None, [c.id for c in root.collections]):
        return
    check("collection: can_read and can_write", target.can_read and target.can_write, target._raw)
    check("collection: media_types", STIX in (target.media_types or []), target._raw)
    col = Collection(target.url, user=user, password=token)

    # Add objects: two versions of x and y, then the third version of x and z.
    env1 = {"objects": [indicator(x, xv[0], xv[0], 1), indicator(x, xv[0], xv[1], 1), malware(y, base)]}
    st = attempt("add_objects 1", lambda: col.add_objects(env1, poll_interval=0.2, timeout=30))
    if st is not None:
        check("add_objects 1: complete", st.status == "complete", st._raw)
        check("add_objects 1: 3 successes", st.success_count == 3 and st.failure_count == 0, st._raw)
    first = attempt("get_objects after envelope 1", lambda: col.get_objects())
    last_added_1 = first.headers.get("X-TAXII-Date-Added-Last") if first is not None else None
    check("X-TAXII-Date-Added-Last after envelope 1", bool(last_added_1), first.headers if first is not None else None)
    time.sleep(0.01)
    env2 = {"objects": [indicator(x, xv[0], xv[2], 1), indicator(z, base, base, 2)]}
    st = attempt("add_objects 2", lambda: col.add_objects(env2, poll_interval=0.2, timeout=30))
    if st is not None:
        check("add_objects 2: complete with 2 successes", st.status == "complete" and st.success_count == 2, st._raw)
        got = attempt("get_status", lambda: root.get_status(st.id))
        if got is not None:
            check("get_status: same status", got.id == st.id and got.status == "complete" and got.total_count == 2, got._raw)

    # Get objects with every filter.
    env = attempt("get_objects match[id]", lambda: col.get_objects(id=x))
    if env is not None:
        check("match[id]: the latest version only", versions_of(env, x) == [stamp(xv[2])], env.json())
    env = attempt("get_objects match[type]", lambda: col.get_objects(type="malware", id=[x, y, z]))
    if env is not None:
        check("match[type]=malware", ids(env) == [y], env.json())
    for spec, want in (("all", [stamp(v) for v in xv]), ("first", [stamp(xv[0])]),
                       ("last", [stamp(xv[2])]), ("first,last", [stamp(xv[0]), stamp(xv[2])]),
                       (stamp(xv[1]), [stamp(xv[1])])):
        env = attempt("get_objects match[version]=" + spec, lambda: col.get_objects(id=x, version=spec))
        if env is not None:
            check("match[version]=" + spec, versions_of(env, x) == want, versions_of(env, x))
    env = attempt("get_objects match[spec_version]=2.1", lambda: col.get_objects(id=[x, y, z], spec_version="2.1"))
    if env is not None:
        check("match[spec_version]=2.1", sorted(ids(env)) == sorted([x, y, z]), ids(env))
    env = attempt("get_objects match[spec_version]=2.0", lambda: col.get_objects(id=[x, y, z], spec_version="2.0"))
    if env is not None:
        check("match[spec_version]=2.0: none", ids(env) == [], env.json())
    if last_added_1:
        env = attempt("get_objects added_after", lambda: col.get_objects(id=[x, y, z], added_after=last_added_1))
        if env is not None:
            check("added_after: only envelope 2", sorted(ids(env)) == sorted([x, z]) and versions_of(env, x) == [stamp(xv[2])], env.json())

    # Paging with limit/next, through the client's as_pages.
    seen, pages = [], 0
    for page in attempt("as_pages(get_objects)", lambda: list(as_pages(col.get_objects, per_request=2, id=[x, y, z], version="all"))) or []:
        pages += 1
        seen += [(o["id"], o["modified"]) for o in page.get("objects", [])]
    check("as_pages(get_objects): 5 versions in 3 pages", len(seen) == 5 and len(set(seen)) == 5 and pages == 3, (pages, seen))
    seen, pages = [], 0
    for page in attempt("as_pages(get_manifest)", lambda: list(as_pages(col.get_manifest, per_request=2, id=[x, y, z], version="all"))) or []:
        pages += 1
        seen += [(o["id"], o["version"]) for o in page.get("objects", [])]
    check("as_pages(get_manifest): 5 versions in 3 pages", len(seen) == 5 and len(set(seen)) == 5 and pages == 3, (pages, seen))

    # One object, its versions, the manifest.
    env = attempt("get_object", lambda: col.get_object(x))
    if env is not None:
        check("get_object: the latest version", versions_of(env, x) == [stamp(xv[2])], env.json())
    env = attempt("get_object match[version]=all", lambda: col.get_object(x, version="all"))
    if env is not None:
        check("get_object match[version]=all", versions_of(env, x) == [stamp(v) for v in xv], versions_of(env, x))
    env = attempt("object_versions", lambda: col.object_versions(x))
    if env is not None:
        check("object_versions: three, oldest first", env.get("versions") == [stamp(v) for v in xv], env.json())
        check("object_versions: date-added headers", bool(env.headers.get("X-TAXII-Date-Added-First")) and bool(env.headers.get("X-TAXII-Date-Added-Last")), env.headers)
    env = attempt("get_manifest", lambda: col.get_manifest(id=x, version="all"))
    if env is not None:
        rows = env.get("objects", [])
        check("manifest: three versions", sorted(r["version"] for r in rows) == [stamp(v) for v in xv], env.json())
        check("manifest: media_type and date_added", all(r.get("media_type") == STIX and r.get("date_added") for r in rows), rows)

    # Delete one version, then a whole object.
    attempt("delete_object match[version]=first", lambda: col.delete_object(x, version=stamp(xv[0])))
    env = attempt("object_versions after deleting one", lambda: col.object_versions(x))
    if env is not None:
        check("delete one version: two left", env.get("versions") == [stamp(v) for v in xv[1:]], env.json())
    attempt("delete_object", lambda: col.delete_object(y, version="all"))
    try:
        col.get_object(y)
        check("deleted object: 404", False, "still served")
    except requests.exceptions.HTTPError as e:
        check("deleted object: 404", e.response.status_code == 404, e.response.status_code)

    # Errors are TAXII error messages.
    for what, fn in (("unknown API root", lambda: ApiRoot(url + "no-such-root/", user=user, password=token).refresh()),
                     ("unknown collection", lambda: Collection(root.url + "collections/no-such-collection/", user=user, password=token).refresh()),
                     ("unknown object", lambda: col.get_object("indicator--" + str(uuid.uuid4())))):
        try:
            fn()
            check(what + ": 404", False, "answered 2xx")
        except requests.exceptions.HTTPError as e:
            r = e.response
            body = {}
            try:
                body = r.json()
            except ValueError:
                pass
            check(what + ": 404 TAXII error message", r.status_code == 404 and r.headers.get("Content-Type") == TAXII
                  and body.get("title") and body.get("http_status") == "404", (r.status_code, r.headers.get("Content-Type"), r.text[:200]))
        except TAXIIServiceException as e:
            check(what + ": 404 TAXII error message", False, e)


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    if len(sys.argv) == 6:
        CREATOR = sys.argv[5]
    main(*sys.argv[1:5])
    print("%d failure(s)%s" % (len(failures), (": " + "; ".join(failures)) if failures else ""))
    sys.exit(min(len(failures), 100))
