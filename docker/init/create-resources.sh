#!/bin/sh
# Runs inside LocalStack once it is ready (and by the test suite against the embedded stack,
# with AWSLOCAL and DEFINITIONS pointing elsewhere). Idempotent: safe to run again.
set -eu
awslocal="${AWSLOCAL:-awslocal}"
definitions="${DEFINITIONS:-/opt/definitions}"
bucket="${S3_BUCKET_NAME:-instagram-images-dev}"
table="${DYNAMODB_TABLE_NAME:-ImageMetadata-dev}"

$awslocal s3api head-bucket --bucket "$bucket" >/dev/null 2>&1 || $awslocal s3api create-bucket --bucket "$bucket" >/dev/null
$awslocal s3api put-bucket-cors --bucket "$bucket" --cors-configuration "file://$definitions/bucket-cors.json"
if ! $awslocal dynamodb describe-table --table-name "$table" >/dev/null 2>&1; then
  $awslocal dynamodb create-table --table-name "$table" --cli-input-json "file://$definitions/table-definition.json" >/dev/null
fi
echo "created bucket $bucket and table $table"
