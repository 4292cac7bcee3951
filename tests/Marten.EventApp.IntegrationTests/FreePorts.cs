using System.Net;
using System.Net.Sockets;

namespace Marten.EventApp.IntegrationTests;

public static class FreePorts
{
    /// <summary>A TCP port on the loopback nobody listens on now (the kernel's choice).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
