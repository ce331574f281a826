"""Speech QA inside the tools people already use: MCP (mcp.py), Dify's External Knowledge API (dify.py), OpenAI
chat clients (openai_api.py), the page's streamed answers (chat_api.py) and Prometheus (metrics.py).

Each is a router or middleware that `qa.api.create_app` hooks in with one line; none imports `qa.api`.
"""
