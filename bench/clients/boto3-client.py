#!/usr/bin/env python3
"""The boto3 reference of the client benchmark (the study's own client library): the same images,
put_object then get_object().read(), at each concurrency, botocore's defaults (Content-MD5 and
the SigV4 payload hash on uploads). One JSON line per phase and concurrency.
    python3 bench/clients/boto3-client.py STACK_JSON IMAGES_DIR 1,16"""
import os
import boto3
from botocore.config import Config
from client_rounds import arguments, measure

s3, names, bodies, concs = arguments('s3')
client = boto3.session.Session().client(
    's3', endpoint_url=s3['endpoint'], region_name=s3['region'],
    aws_access_key_id=s3['accessKeyId'], aws_secret_access_key=s3['secretAccessKey'],
    config=Config(s3={'addressing_style': 'path'}, max_pool_connections=max(concs) + 4,
                  retries={'max_attempts': 3, 'mode': 'standard'}, signature_version='s3v4'))
bucket = s3['bucket']
measure(lambda k, b: client.put_object(Bucket=bucket, Key=k, Body=b),
        lambda k: client.get_object(Bucket=bucket, Key=k)['Body'].read(),
        names, bodies, concs, 'bench/boto3-%d' % os.getpid())
