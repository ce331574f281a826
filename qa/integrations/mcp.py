"""A Model Context Protocol server (the official `mcp` SDK's MCPServer): tools that let an assistant search the
speeches, read a passage in its speech, and list who spoke. `qa mcp --index DIR` serves it over stdio; `qa serve`
at /mcp over streamable HTTP, where with QA_API_KEYS set a client must send one of them as a bearer token.
"""

# No `from __future__ import annotations`: the tools' annotations name SDK types imported inside `mcp_server`
# (the SDK takes a second to import, so `qa.api` does not pay for it), and must be evaluated where they are defined.
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.routing import Route

from .. import __version__, schemas
from ..auth import BEARER_CHALLENGE, bearer_token, key_accepted
from ..dates import FILTER_DATE_PATTERN, DateProblem, DateRange
from ..facets import Scope
from ..problems import BAD_KEY, LOADING
from ..retrieval import Result
from ..service import Service
from ..settings import MAX_QUERY_CHARS, TOP_K_MAX, TOP_K_MIN, Settings

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

PATH = "/mcp"
NAME = "speech-qa"
INSTRUCTIONS = (
    "Search a collection of speeches (mostly Chinese officials' speeches) for what was said, by whom, where and "
    "when. Use search_speeches for any question about their content and quote the passages with their speaker; "
    "get_passage to read one in its speech; list_speakers to see who spoke and which documents there are."
)
SEARCH = """Find the passages of the speeches that best answer a question, best first, each with its text and
full source (speaker, role, speech title, document, date, paragraph). Use it for any question about what was said
in the speeches, by whom, or about a place or policy they mention; ask in Chinese or English. Examples: query
"荥阳要发扬什么精神？", query "巩义要建成全省什么基地？" with speaker "袁聚平", query "airport economy zone" with
date_from "2021-01-01". Quote the passage text and name its speaker when answering."""
GET_PASSAGE = """One passage by its id (from search_speeches) with the whole speech it belongs to, paragraph by
paragraph (a short turn of a press conference or debate with the turns around it, each naming its speaker): use it
to read the context around a passage before quoting it, e.g. what else 宋书杰 said in that speech, or what question
a spokesperson was answering."""
LIST_SPEAKERS = """Every speaker in the collection (name, role, speech title, document, how many passages) and every
document (file, title, date): use it to find how a name is spelled before filtering search_speeches by speaker,
e.g. to see whether 张俊峰 or 樊福太 spoke."""


class Passage(BaseModel):
    id: str
    rank: int
    text: str
    source: schemas.Source


class SearchOutput(BaseModel):
    query: str
    passages: list[Passage]


def _passage(result: Result) -> Passage:
    return Passage(id=result.id, rank=result.rank, text=result.text, source=schemas.Source(**result.source))


def cite(source: dict) -> str:
    who = "，".join(x for x in (source.get("speaker"), source.get("role")) if x) or "（未署名）"
    title = source.get("speech_title") or source.get("title") or ""
    return f"{who}《{title}》{source.get('date') or ''} 第{source['paragraph']}段"


Date = Annotated[str | None, Field(pattern=FILTER_DATE_PATTERN, description="YYYY-MM-DD (or YYYY, YYYY-MM)")]


def mcp_server(get_service: Callable[[], Service | None]) -> "MCPServer":
    """The server with its three tools; `get_service` hands them the service serving now (it may be reloaded)."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import CallToolResult, TextContent, ToolAnnotations

    server = MCPServer(name=NAME, instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)

    def service() -> Service:
        loaded = get_service()
        if loaded is None:
            raise ToolError(f"{LOADING}; try again in a few seconds")
        return loaded

    @server.tool(description=SEARCH, annotations=read_only)
    def search_speeches(
        query: Annotated[str, Field(min_length=1, max_length=MAX_QUERY_CHARS, description="The question")],
        top_k: Annotated[int | None, Field(ge=TOP_K_MIN, le=TOP_K_MAX, description=schemas.TOP_K_DOC)] = None,
        speaker: Annotated[str | None, Field(max_length=schemas.MAX_NAME, description="Only this speaker")] = None,
        document: Annotated[str | None, Field(max_length=schemas.MAX_DOCUMENT, description="Only this file")] = None,
        date_from: Date = None,
        date_to: Date = None,
    ) -> Annotated[CallToolResult, SearchOutput]:
        if not query.strip():
            raise ToolError("query must not be empty")
        try:
            dates = DateRange.parse(date_from, date_to)  # a bare year or month covers the whole of it
        except DateProblem as exc:
            raise ToolError(str(exc)) from None
        serving = service()
        results = serving.search(query, top_k or serving.settings.top_k, speaker, document, Scope(dates))
        output = SearchOutput(query=query, passages=[_passage(r) for r in results])
        lines = [f"[{r.rank}] {cite(r.source)}（id {r.id}）\n{r.text}" for r in results]
        text = "\n\n".join(lines) or "没有找到相关段落。No passage found."
        return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=output.model_dump())

    @server.tool(description=GET_PASSAGE, annotations=read_only)
    def get_passage(
        id: Annotated[str, Field(max_length=schemas.MAX_ID, description="A passage id")],
    ) -> schemas.PassageContext:
        found = service().passage(id)
        if found is None:
            raise ToolError(f"no passage with id {id!r}: take ids from search_speeches")
        result, speech = found
        return schemas.PassageContext(
            passage=schemas.Hit.model_validate(result.to_dict()),
            speech=[schemas.SpeechParagraph.of(p) for p in speech],
        )

    @server.tool(description=LIST_SPEAKERS, annotations=read_only)
    def list_speakers() -> schemas.SpeakersResponse:
        people, documents = service().speakers()
        return schemas.SpeakersResponse(speakers=people, documents=documents)

    return server


class _Endpoint:
    """The /mcp ASGI app, handing each request to the session manager of the app's running lifespan.

    The SDK's session manager runs once in its life, and an app may start more than once (tests, ASGI runners):
    each start makes a new one.
    """

    def __init__(self, server: "MCPServer", host: str, api_keys: str):
        self.server = server
        self.host = host
        self.api_keys = api_keys
        self.manager = None
        self.route: Route | None = None

    @contextlib.asynccontextmanager
    async def lifespan(self, _app):
        # Stateless: each request stands alone, so any number of clients, and a restart, lose nothing. Bound to a
        # loopback address, the SDK's DNS-rebinding guard admits only loopback Host and Origin headers.
        self.server.streamable_http_app(streamable_http_path=PATH, stateless_http=True, host=self.host)
        manager = self.server.session_manager
        async with manager.run():
            self.manager = manager
            try:
                yield
            finally:
                self.manager = None

    async def __call__(self, scope, receive, send):
        # Starlette's router names the matched route in the scope; FastAPI's does so for its own routes only, and
        # the metrics count requests by it.
        scope["route"] = self.route
        if self.api_keys:
            header = dict(scope["headers"]).get(b"authorization")
            token = bearer_token(None if header is None else header.decode("latin-1"))
            if not key_accepted(token, self.api_keys):
                response = JSONResponse({"detail": BAD_KEY}, status_code=401, headers=BEARER_CHALLENGE)
                return await response(scope, receive, send)
        if self.manager is None:
            response = JSONResponse({"detail": "the MCP server is not running"}, status_code=503)
            return await response(scope, receive, send)
        await self.manager.handle_request(scope, receive, send)


def http_router(settings: Settings, get_service: Callable[[], Service | None]) -> APIRouter:
    """/mcp over streamable HTTP, its session manager running for the app's lifetime (the router's lifespan)."""
    endpoint = _Endpoint(mcp_server(get_service), settings.host, settings.api_keys)
    router = APIRouter(lifespan=endpoint.lifespan)
    endpoint.route = Route(PATH, endpoint=endpoint)
    router.routes.append(endpoint.route)
    return router


def serve_stdio(service: Service) -> None:
    mcp_server(lambda: service).run("stdio")
