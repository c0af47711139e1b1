#!/usr/bin/env python3
"""The Python Azure SDK reference of the client benchmark: the same images, upload_blob(bytes) then
download_blob().readall(), at each concurrency, with a connection pool as large as the
concurrency (requests keeps 10 per host by default). One JSON line per phase and concurrency.
    python3 bench/clients/azure-client.py STACK_JSON IMAGES_DIR 1,16"""
import json, os, sys, time
from concurrent.futures import ThreadPoolExecutor
import requests
from azure.storage.blob import BlobServiceClient

stack_file, images, concs = sys.argv[1], sys.argv[2], [int(c) for c in (sys.argv[3] if len(sys.argv) > 3 else '1,16').split(',')]
az = json.load(open(stack_file))['azureBlob']
names = sorted(n for n in os.listdir(images) if n.endswith('.jpg'))
bodies = [open(os.path.join(images, n), 'rb').read() for n in names]
total = sum(len(b) for b in bodies)
session = requests.Session()
session.mount('http://', requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(concs) + 4))
container = BlobServiceClient.from_connection_string(az['connectionString'], session=session).get_container_client(az['container'])
prefix = 'bench/py-azure-%d' % os.getpid()
put = lambda k, b: container.upload_blob(k, b, length=len(b), overwrite=True)
get = lambda k: container.download_blob(k).readall()
for i in range(8):
    put('%s/warm-%d' % (prefix, i), bodies[i]); get('%s/warm-%d' % (prefix, i))
for c in concs:
    for phase in ('upload', 'download'):
        def work(i):
            key = '%s/c%d/%s' % (prefix, c, names[i])
            if phase == 'upload':
                put(key, bodies[i])
            elif len(get(key)) != len(bodies[i]):
                raise RuntimeError('download %s: wrong length' % key)
        cpu0, t0 = time.process_time(), time.perf_counter()
        if c == 1:
            for i in range(len(bodies)): work(i)
        else:
            with ThreadPoolExecutor(c) as ex: list(ex.map(work, range(len(bodies))))
        secs = time.perf_counter() - t0
        print(json.dumps({'c': c, 'phase': phase, 'secs': secs, 'mibps': total / 2 ** 20 / secs, 'cpuS': time.process_time() - cpu0}), flush=True)
