using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Lakebase.Emulator.Branches;

/// <summary>
/// A long-running operation as the Databricks SDKs' <c>postgres.Operation</c> has it: <c>name</c>, <c>done</c>, then
/// either <c>response</c> or <c>error</c> (<c>{"error_code", "message"}</c>). Every mutation of the branch API returns
/// one with <c>done: false</c>; the work runs in the background and the client polls <c>GET /api/2.0/postgres/{name}</c>.
/// </summary>
internal sealed class LongRunningOperation(string name)
{
    private readonly object _gate = new();
    private bool _done;
    private JsonNode? _response;
    private (string Code, string Message)? _error;

    /// <summary><c>{resource name}/operations/{id}</c>.</summary>
    public string Name { get; } = name;

    public bool Done
    {
        get
        {
            lock (_gate)
            {
                return _done;
            }
        }
    }

    public void Succeed(JsonNode response)
    {
        lock (_gate)
        {
            (_done, _response) = (true, response);
        }
    }

    public void Fail(string errorCode, string message)
    {
        lock (_gate)
        {
            (_done, _error) = (true, (errorCode, message));
        }
    }

    public JsonObject Describe()
    {
        lock (_gate)
        {
            var operation = new JsonObject { ["name"] = Name, ["done"] = _done, ["metadata"] = new JsonObject() };
            if (_error is { } error)
            {
                operation["error"] = new JsonObject { ["error_code"] = error.Code, ["message"] = error.Message };
            }
            else if (_response is not null)
            {
                operation["response"] = _response.DeepClone();
            }

            return operation;
        }
    }
}

/// <summary>Every operation of this run, by name; kept after the resource it was about is gone, so it can still be polled.</summary>
internal sealed class OperationStore
{
    private readonly ConcurrentDictionary<string, LongRunningOperation> _operations = new(StringComparer.Ordinal);

    public LongRunningOperation Start(string resourceName)
    {
        var operation = new LongRunningOperation($"{resourceName}/operations/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}");
        _operations[operation.Name] = operation;
        return operation;
    }

    public LongRunningOperation? Find(string name) => _operations.GetValueOrDefault(name);
}
