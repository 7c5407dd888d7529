# Reproduces FastMCP (mcp 1.27.2) tool metadata derivation for graphiti_mcp_server.py:
# inputSchema = create_model(f"{name}Arguments", **params).model_json_schema(by_alias=True)
# outputSchema = TypedDict model schema, or {"result": <annotation>} wrapper for unions/dicts.
import ast, json, typing, typing_extensions
from typing import Any
from pydantic import BaseModel, ConfigDict, Field, create_model, TypeAdapter
import response_types as rt

src = open('server.py').read()
tree = ast.parse(src)
ns = {k: getattr(rt, k) for k in dir(rt)}
ns.update({'Any': Any, 'list': list, 'dict': dict, 'str': str, 'int': int, 'bool': bool})

class ArgModelBase(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

def typeddict_model(td):
    hints = typing_extensions.get_type_hints(td)
    return create_model(td.__name__, **{k: (v, ...) for k, v in hints.items()})

tools = []
for node in tree.body:
    if not isinstance(node, ast.AsyncFunctionDef):
        continue
    if not any(ast.unparse(d) == 'mcp.tool()' for d in node.decorator_list):
        continue
    fields = {}
    args = node.args.args
    defaults = [None] * (len(args) - len(node.args.defaults)) + node.args.defaults
    for a, d in zip(args, defaults):
        ann = eval(ast.unparse(a.annotation), ns)
        if d is None:
            fields[a.arg] = (ann, Field())
        else:
            fields[a.arg] = (ann, Field(default=ast.literal_eval(d)))
    model = create_model(f"{node.name}Arguments", __base__=ArgModelBase, **fields)
    input_schema = model.model_json_schema(by_alias=True)
    ret = eval(ast.unparse(node.returns), ns)
    import typing_extensions
    if typing_extensions.is_typeddict(ret):
        out = typeddict_model(ret).model_json_schema(by_alias=True)
        wrapped = False
    else:
        out = create_model(f"{node.name}Output", result=(ret, ...)).model_json_schema(by_alias=True)
        wrapped = True
    tools.append({
        'name': node.name,
        'description': ast.get_docstring(node, clean=False),
        'inputSchema': input_schema,
        'outputSchema': out,
        'x-result-wrapped': wrapped,
        'x-returns': ast.unparse(node.returns),
    })
print(json.dumps(tools, indent=2))
