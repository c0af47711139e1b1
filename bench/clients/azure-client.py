#!/usr/bin/env python3
"""The Python Azure SDK reference of the client benchmark: the same images, upload_blob(bytes) then
download_blob().readall(), at each concurrency, with a connection pool as large as the
concurrency (requests keeps 10 per host by default). One JSON line per phase and concurrency.
    python3 bench/clients/azure-client.py STACK_JSON IMAGES_DIR 1,16"""
import os
import requests
from azure.storage.blob import BlobServiceClient
from client_rounds import arguments, measure

az, names, bodies, concs = arguments('azureBlob')
session = requests.Session()
session.mount('http://', requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(concs) + 4))
container = BlobServiceClient.from_connection_string(az['connectionString'], session=session).get_container_client(az['container'])
measure(lambda k, b: container.upload_blob(k, b, length=len(b), overwrite=True),
        lambda k: container.download_blob(k).readall(),
        names, bodies, concs, 'bench/py-azure-%d' % os.getpid())
