#!/usr/bin/env python3
"""The boto3 reference of the client benchmark (the study's own client library): the same images,
put_object then get_object().read(), at each concurrency, botocore's defaults (Content-MD5 and
the SigV4 payload hash on uploads). One JSON line per phase and concurrency.
    python3 bench/clients/boto3-client.py STACK_JSON IMAGES_DIR 1,16"""
import json, os, sys, time
from concurrent.futures import ThreadPoolExecutor
import boto3
from botocore.config import Config

stack_file, images, concs = sys.argv[1], sys.argv[2], [int(c) for c in (sys.argv[3] if len(sys.argv) > 3 else '1,16').split(',')]
s3 = json.load(open(stack_file))['s3']
names = sorted(n for n in os.listdir(images) if n.endswith('.jpg'))
bodies = [open(os.path.join(images, n), 'rb').read() for n in names]
total = sum(len(b) for b in bodies)
client = boto3.session.Session().client(
    's3', endpoint_url=s3['endpoint'], region_name=s3['region'],
    aws_access_key_id=s3['accessKeyId'], aws_secret_access_key=s3['secretAccessKey'],
    config=Config(s3={'addressing_style': 'path'}, max_pool_connections=max(concs) + 4,
                  retries={'max_attempts': 3, 'mode': 'standard'}, signature_version='s3v4'))
bucket, prefix = s3['bucket'], 'bench/boto3-%d' % os.getpid()
put = lambda k, b: client.put_object(Bucket=bucket, Key=k, Body=b)
get = lambda k: client.get_object(Bucket=bucket, Key=k)['Body'].read()
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
