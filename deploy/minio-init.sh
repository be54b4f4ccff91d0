#!/bin/sh
# One-shot MinIO setup for docker-compose: the bucket, and its raw/ object-created events sent
# to the Kafka target PRIMARY (topic minio-events, configured on the server by environment).
# Safe to run again: every step tolerates what an earlier run already did.
set -eu

bucket="${S3_BUCKET:-mars}"
mc alias set mars http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "mars/$bucket"

# The loader takes only raw/ objects; staging copies (tmp/) and outputs need no event. The
# image has no grep: a second `event add` of the same rule fails, and that failure means done.
if ! mc event add "mars/$bucket" arn:minio:sqs::PRIMARY:kafka --event put --prefix raw/; then
  echo "keeping the existing notification rule of $bucket"
fi
mc event list "mars/$bucket" arn:minio:sqs::PRIMARY:kafka
