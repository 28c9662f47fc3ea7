"""Translate infra/template.yaml (AWS SAM) into plain CloudFormation JSON, for the emulator.

    python scripts/lib/sam_translate.py infra/template.yaml > stack.json

moto's CloudFormation has no SAM transform, so the deploy test (tests/tests/it/stack.rs) sends
it what `sam deploy` would: the template after AWS's own translator (aws-sam-translator, pinned
in requirements.txt). Two substitutions, both for code the emulator cannot run anyway: the
functions' CodeUri becomes a placeholder S3 URI for the translation, and each function's Code
an inline placeholder, since moto runs no Lambda code without Docker.
"""

import json
import os
import sys

from cfnlint.decode import decode
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The template attaches no managed policies (the roles are explicit), so none are looked up."""

    def load(self):
        return {}


def main():
    path = sys.argv[1]
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
    template, errors = decode(path)
    if errors:
        raise SystemExit(f"{path}: {errors}")
    template = json.loads(json.dumps(template, default=str))
    template.setdefault("Globals", {}).setdefault("Function", {})["CodeUri"] = "s3://placeholder/code.zip"
    cfn = transform(template, {}, NoManagedPolicies())
    for resource in cfn["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Code"] = {"ZipFile": "placeholder: the emulator runs no Lambda code"}
    json.dump(cfn, sys.stdout)


if __name__ == "__main__":
    main()
