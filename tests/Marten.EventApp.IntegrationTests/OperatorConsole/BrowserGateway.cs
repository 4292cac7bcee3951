using Alba;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Marten.EventApp.IntegrationTests.OperatorConsole;

// A browser reaches only a socket: this forwards a port on 127.0.0.1 to the in-process host, so a test can drive the
// page and still read the host's state. It can listen before the host exists, for settings that name its address.
public sealed class BrowserGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private HttpMessageInvoker? _host;
    private Uri? _base;

    private BrowserGateway(WebApplication app) => _app = app;

    public string Address => _app.Urls.First();

    public static async Task<BrowserGateway> StartAsync(IAlbaHost host)
    {
        var gateway = await StartAsync();
        gateway.Attach(host);
        return gateway;
    }

    public void Attach(IAlbaHost host)
    {
        _base = host.Server.BaseAddress;
        _host = new HttpMessageInvoker(host.Server.CreateHandler());
    }

    public static async Task<BrowserGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var gateway = new BrowserGateway(app);
        app.Run(async context =>
        {
            try { await gateway.ForwardAsync(context); }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                await context.Response.WriteAsync(e.ToString());
            }
        });
        await app.StartAsync();
        return gateway;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        if (_host is null || _base is null) throw new InvalidOperationException("No host is attached yet.");
        var incoming = context.Request;
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method),
            new Uri(_base, incoming.Path + incoming.QueryString));
        if (incoming.ContentLength > 0) request.Content = new StreamContent(incoming.Body);
        foreach (var (name, values) in incoming.Headers)
            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());

        using var response = await _host.SendAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                context.Response.Headers[name] = values.ToArray();
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _host?.Dispose();
    }
}
