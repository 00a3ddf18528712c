"""An independent MCP client (the official Python MCP SDK) against a scaffold's `/mcp`.

Reads a plan (JSON) on stdin, made by the Rust test from the merchant's configuration:
  url, api_key, version, hmac_key (or null), create_payload,
  delegate: {url, api_key, body} (body's allowance names "__SESSION__"),
  complete_payload (its credential token is "__TOKEN__").
Lists the tools, checks every schema is bundled (no "$ref"), creates a checkout session,
delegates a card for it over REST, completes it, cancels a second session without a payload and
reads an unknown session; the SDK validates every result against the tool's output schema.
Prints a JSON report on stdout; any failed expectation exits non-zero with the reason.
"""

import asyncio
import base64
import datetime
import hashlib
import hmac
import json
import sys
import urllib.request
import uuid

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


def canonical(value):
    """RFC 8785 for the values the plan holds (strings, integers, objects, arrays)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed(key, body):
    """`timestamp` and `signature` over `timestamp + "." + JCS(body)`, or nothing."""
    if key is None:
        return {}
    stamp = now()
    message = stamp.encode() + b"." + (canonical(body) if body is not None else b"")
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return {"timestamp": stamp, "signature": base64.b64encode(digest).decode()}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def has_ref(value):
    if isinstance(value, dict):
        return "$ref" in value or any(has_ref(v) for v in value.values())
    if isinstance(value, list):
        return any(has_ref(v) for v in value)
    return False


def delegate(plan, session_id):
    body = json.loads(json.dumps(plan["delegate"]["body"]).replace("__SESSION__", session_id))
    headers = {
        "Authorization": "Bearer " + plan["delegate"]["api_key"],
        "API-Version": plan["version"],
        "Idempotency-Key": str(uuid.uuid4()),
        "Content-Type": "application/json",
    }
    for member, value in signed(plan["hmac_key"], body).items():
        headers[member.capitalize()] = value
    request = urllib.request.Request(
        plan["delegate"]["url"], data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)["id"]


async def run(plan):
    report = {}

    async def call(session, tool, payload=None, **extra):
        meta = {"api_version": plan["version"], "idempotency_key": str(uuid.uuid4())}
        meta.update(signed(plan["hmac_key"], payload))
        arguments = {"meta": meta, **extra}
        if payload is not None:
            arguments["payload"] = payload
        result = await session.call_tool(tool, arguments)
        if result.is_error:
            fail(f"{tool}: an error result: {result.content}")
        return result.structured_content

    headers = {"Authorization": "Bearer " + plan["api_key"]}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with streamable_http_client(plan["url"], http_client=http) as streams:
            read, write = streams[0], streams[1]
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                report["tools"] = sorted(tool.name for tool in tools)
                for tool in tools:
                    schemas = [tool.input_schema, tool.output_schema]
                    if any(has_ref(s) for s in schemas if s is not None):
                        fail(f"{tool.name}: a schema still has a $ref")
                    if tool.output_schema is None:
                        fail(f"{tool.name}: no output schema")
                report["bundled"] = True

                created = await call(session, "create_checkout_session", plan["create_payload"])
                session_id = created["id"]
                token = delegate(plan, session_id)
                complete = json.loads(
                    json.dumps(plan["complete_payload"]).replace("__TOKEN__", token)
                )
                completed = await call(
                    session, "complete_checkout_session", complete, id=session_id
                )
                report["completed_status"] = completed["status"]
                report["order"] = completed.get("order", {}).get("id")
                read_back = await call(session, "get_checkout_session", id=session_id)
                report["read_status"] = read_back["status"]

                other = await call(session, "create_checkout_session", plan["create_payload"])
                canceled = await call(session, "cancel_checkout_session", id=other["id"])
                report["canceled_status"] = canceled["status"]

                try:
                    await call(session, "get_checkout_session", id="cs_does_not_exist")
                    fail("an unknown session was found")
                except MCPError as error:
                    report["unknown"] = {"code": error.code, "data": error.data}
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(run(json.load(sys.stdin)))
