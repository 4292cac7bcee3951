using Alba;
using JasperFx.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;
using Wolverine;

namespace Marten.EventApp.IntegrationTests;

// the server ./test.sh started (EVENTAPP_TEST_POSTGRES), else a Testcontainers container where Docker answers
public static class TestDatabase
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _connectionString;

    public static async Task<string> ConnectionString()
    {
        await Gate.WaitAsync();
        try
        {
            if (_connectionString is not null) return _connectionString;
            var connectionString = Environment.GetEnvironmentVariable("EVENTAPP_TEST_POSTGRES");
            if (string.IsNullOrWhiteSpace(connectionString)) connectionString = await StartContainer();

            // database-wide: hosts on different schemas starting at once would race to create it
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await new NpgsqlCommand("create extension if not exists pg_trgm", connection).ExecuteNonQueryAsync();
            return _connectionString = connectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task DropSchemaAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(await ConnectionString());
        await connection.OpenAsync();
        await new NpgsqlCommand($"drop schema if exists {schema} cascade", connection).ExecuteNonQueryAsync();
    }

    private static async Task<string> StartContainer()
    {
        try
        {
            var container = new PostgreSqlBuilder("postgres:15").Build();
            await container.StartAsync();
            return container.GetConnectionString();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "No PostgreSQL for the tests: run ./test.sh, or set EVENTAPP_TEST_POSTGRES, " +
                "or start a Docker engine.", e);
        }
    }
}

// the server ./test.sh started (EVENTAPP_TEST_RABBITMQ), else a Testcontainers container where Docker answers
public static class TestBroker
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static Uri? _uri;
    private static RabbitMqContainer? _container;

    // connections drop; durable queues and their messages stay
    public static Task StopAsync() => ControlAsync("stop_app");

    public static async Task StartAsync()
    {
        await ControlAsync("start_app");
        await ControlAsync("await_startup");
    }

    public static async Task ControlAsync(params string[] arguments)
    {
        await Uri();
        var command = string.Join(' ', arguments);
        if (_container is not null)
        {
            var result = await _container.ExecAsync(["rabbitmqctl", ..arguments]);
            if (result.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {command}: {result.Stderr}");
            return;
        }

        var ctl = Environment.GetEnvironmentVariable("EVENTAPP_TEST_RABBITMQCTL");
        if (string.IsNullOrWhiteSpace(ctl))
            throw new InvalidOperationException(
                "The broker cannot be stopped from here: " +
                "run ./test.sh, which starts one and sets EVENTAPP_TEST_RABBITMQCTL.");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(ctl, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true
        })!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"rabbitmqctl {command}: {await error}");
    }

    public static async Task<Uri> Uri()
    {
        await Gate.WaitAsync();
        try
        {
            if (_uri is not null) return _uri;
            var configured = Environment.GetEnvironmentVariable("EVENTAPP_TEST_RABBITMQ");
            return _uri = new Uri(string.IsNullOrWhiteSpace(configured) ? await StartContainer() : configured);
        }
        finally
        {
            Gate.Release();
        }
    }

    public const int ManagementPort = 15672;

    // the same broker's management API: of the one ./test.sh started (EVENTAPP_TEST_RABBITMQ_MANAGEMENT), or the
    // container's
    public static async Task<string> ManagementUrl()
    {
        await Uri();
        if (_container is not null)
            return $"http://{_container.Hostname}:{_container.GetMappedPublicPort(ManagementPort)}";
        return Environment.GetEnvironmentVariable("EVENTAPP_TEST_RABBITMQ_MANAGEMENT") is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException(
                "No management API for the tests' broker: run ./test.sh, or set EVENTAPP_TEST_RABBITMQ_MANAGEMENT.");
    }

    private static async Task<string> StartContainer()
    {
        try
        {
            _container = new RabbitMqBuilder("rabbitmq:3-management").WithPortBinding(ManagementPort, true).Build();
            await _container.StartAsync();
            return _container.GetConnectionString();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException(
                "No RabbitMQ for the tests: run ./test.sh, or set EVENTAPP_TEST_RABBITMQ, " +
                "or start a Docker engine.", e);
        }
    }
}
