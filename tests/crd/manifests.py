"""The CRD and custom resources the CRD tests share (the CronTab of kube's CRD walkthrough)."""

from __future__ import annotations

from typing import Any

import yaml

GROUP = "stable.example.com"
CRD_NAME = f"crontabs.{GROUP}"

CRD_YAML = r"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabs.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: crontabs
    singular: crontab
    kind: CronTab
    shortNames: [ct]
    categories: [all]
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - name: Spec
      type: string
      jsonPath: .spec.cronSpec
    - name: Replicas
      type: integer
      jsonPath: .spec.replicas
    - name: Age
      type: date
      jsonPath: .metadata.creationTimestamp
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: The desired state of the cron tab.
            required: [cronSpec]
            properties:
              cronSpec:
                type: string
                description: The cron schedule.
                pattern: '^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$'
              image:
                type: string
                maxLength: 40
              replicas:
                type: integer
                minimum: 1
                maximum: 10
                default: 1
              color:
                type: string
                enum: [red, blue]
          status:
            type: object
            properties:
              ready:
                type: boolean
"""


def crd() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(CRD_YAML)
    return doc


def crontab(name: str, namespace: str = "default", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "CronTab",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"cronSpec": "* * * * */5", **spec},
    }


def crontab_yaml(name: str, namespace: str, **spec: Any) -> str:
    return yaml.safe_dump(crontab(name, namespace, **spec))
