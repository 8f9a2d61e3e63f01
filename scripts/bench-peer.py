#!/usr/bin/python3
# bench-peer.py: the "what a user would write" peer of scripts/bench's throughput phase
# (issue #16). Run it with /usr/bin/python3 (Debian's python3-aiohttp), not a pyenv python.
#
# What it is: one asyncio loop and one aiohttp ClientSession (keep-alive connections, TLS
# verified against --ca) that delivers the job files of SPOOL/incoming/ with the method and
# path reconcilerd uses for each API, at most --concurrency requests in flight per backend.
# It lists incoming/ until it has seen --jobs files, reads and parses each one, sends its
# "update" as the request body and, on a 2xx answer, renames the file into SPOOL/done/. It
# exits when all are done (status 1 if any failed), printing jobs/s and its CPU per job.
#
# What it is not: a reconciler. No durability (no fsync of the files or the directories, no
# claim: a crash forgets what was in flight), no pacing or rate limit, no retries (a failed
# job is reported and stays in incoming/), no validation, no read-back, no status log.
import argparse
import asyncio
import json
import os
import ssl
import sys
import time

import aiohttp


def cpu_ticks():  # utime + stime of this process (all its threads), as scripts/bench reads them
    fields = open("/proc/self/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def request(api, job):
    """(method, path below the backend's base URL, body arguments of session.request)"""
    i, update = job["invoice_id"], job["update"]
    if api == "simetri":
        return "POST", f"/api/account.invoice/update/{i}", {
            "data": {"token": "bench", "update_vals": json.dumps(update)}}
    if api == "whmcs":
        return "POST", "/includes/api.php", {"data": {
            "action": "UpdateInvoice", "identifier": "bench", "secret": "bench",
            "responsetype": "json", "invoiceid": str(i), **update}}
    if api == "alloy":
        return "PUT", f"/accounting/invoices/{i}?credentialId=bench", {"json": update}
    if api == "campfire":
        return "PUT", f"/coa/api/v1/invoice/{i}/", {"json": update}
    if api == "bigcapital":
        return "PUT", f"/api/sale-invoices/{i}", {"json": update}
    raise ValueError(f"unknown API {api}")


async def main():
    p = argparse.ArgumentParser(description="aiohttp peer of scripts/bench (see the header)")
    p.add_argument("--spool", required=True, help="directory with incoming/ and done/")
    p.add_argument("--ca", required=True, help="CA file to verify the server with")
    p.add_argument("--jobs", type=int, required=True, help="exit when this many are done")
    p.add_argument("--concurrency", type=int, default=16, help="requests in flight per backend")
    p.add_argument("--backend", nargs=3, action="append", required=True,
                   metavar=("NAME", "API", "BASE_URL"), help="e.g. ledger bigcapital https://...")
    a = p.parse_args()
    backends = {name: (api, url.rstrip("/")) for name, api, url in a.backend}
    incoming, done = os.path.join(a.spool, "incoming"), os.path.join(a.spool, "done")
    # All backends are one host here (the bench's nginx), so the limit per backend is a
    # semaphore and the connector keeps up to that many connections per backend in all.
    limit = {name: asyncio.Semaphore(a.concurrency) for name in backends}
    tls = ssl.create_default_context(cafile=a.ca)
    connector = aiohttp.TCPConnector(ssl=tls, limit=a.concurrency * len(backends))
    failed = []

    async def deliver(session, name):
        path = os.path.join(incoming, name)
        try:
            with open(path) as f:
                job = json.load(f)
            api, base = backends[job["backend"]]
            method, target, body = request(api, job)
            async with limit[job["backend"]]:
                async with session.request(method, base + target,
                                           headers={"X-Reconcilerd-Job": name}, **body) as r:
                    await r.read()
            if not 200 <= r.status < 300:
                raise RuntimeError(f"HTTP {r.status}")
            os.rename(path, os.path.join(done, name))
        except Exception as e:  # no retries: report it and go on
            failed.append(name)
            print(f"bench-peer: {name}: {e!r}", file=sys.stderr)

    async with aiohttp.ClientSession(connector=connector,
                                     headers={"Authorization": "Bearer bench"}) as session:
        ticks0, seen, tasks, first = cpu_ticks(), set(), [], None
        print("ready", flush=True)
        while len(seen) < a.jobs:  # poll incoming/ until all the expected files have come
            new = [n for n in os.listdir(incoming) if n.endswith(".json") and n not in seen]
            if new and first is None:
                first = time.time()
            seen.update(new)
            tasks += [asyncio.create_task(deliver(session, n)) for n in new]
            await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        last, ticks1 = time.time(), cpu_ticks()
    n, s = a.jobs - len(failed), last - first
    cpu_us = (ticks1 - ticks0) / os.sysconf("SC_CLK_TCK") / a.jobs * 1e6
    print(f"bench-peer: {n} of {a.jobs} jobs in {s:.2f} s = {n / s:.0f} jobs/s (first file seen"
          f" -> last rename); CPU {cpu_us:.0f} us/job since ready; {len(failed)} failed")
    print(f"ticks {ticks1}", flush=True)  # for scripts/bench: utime+stime at the end
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
