"""The JSON API under ``/api/v1``, for other systems (a CRM): resources, tokens, sync.

Built with flask-smorest: each resource is a blueprint whose operations declare their
input and output as marshmallow schemas, from which the OpenAPI 3.1 document at
``/api/v1/openapi.json`` is generated, and the reference page at ``/api/v1/docs`` read.
The rules are the pages' (the one access policy, the capacity lock, the outbox, erasure):
the operations call the same services. What every call goes through is in ``calls``.
"""
