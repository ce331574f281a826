"""The MCP server with the real model over the seed corpus, through the official SDK's client on both transports:
`qa mcp` over stdio (a real subprocess) and /mcp of the served app over streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import sys

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from qa.api import create_app
from qa.bench.server import serving
from qa.reader import read_speeches
from qa.settings import load_settings
from qa.store import build_lock, timed_build

from .conftest import REPO

pytestmark = pytest.mark.integration
QUESTION = "荥阳要发扬什么精神？"


@pytest.fixture(scope="module")
def seed(tmp_path_factory, real_embedder):
    """The seed corpus indexed with the default model; (settings, embedder)."""
    index_dir = tmp_path_factory.mktemp("mcp-seed") / "index"
    settings = load_settings(corpus_dir=REPO / "corpus", index_dir=index_dir)
    with build_lock(index_dir):
        timed_build(read_speeches(settings), real_embedder, settings, index_dir)
    return settings, real_embedder


async def ask(server) -> tuple[list[str], dict, str]:
    async with Client(server, read_timeout_seconds=120) as client:
        tools = [t.name for t in (await client.list_tools()).tools]
        result = await client.call_tool("search_speeches", {"query": QUESTION, "top_k": 3})
        return tools, result.structured_content, result.content[0].text


def assert_found(tools, structured, text):
    assert "search_speeches" in tools
    top = structured["passages"][0]
    assert "三牛精神" in top["text"] and top["source"]["speaker"] == "宋书杰", top
    assert "宋书杰" in text and "三牛精神" in text


def test_stdio(seed):
    settings, _ = seed
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "qa", "mcp", "--index", str(settings.index_dir)], env=env, cwd=REPO
    )
    assert_found(*asyncio.run(ask(server)))


def test_streamable_http(seed):
    settings, embedder = seed
    with serving(create_app(settings, embedder=embedder)) as url:
        assert_found(*asyncio.run(ask(f"{url}/mcp")))
        metrics = httpx.get(f"{url}/metrics").text
    assert 'qa_http_requests_total{method="POST",route="/mcp",status="200"}' in metrics
