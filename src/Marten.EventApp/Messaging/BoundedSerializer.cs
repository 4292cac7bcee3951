using Wolverine;
using Wolverine.Runtime.Serialization;

namespace Marten.EventApp.Messaging;

// refuses an oversized body before parsing it: straight to the dead letters, as any unreadable message
internal sealed class BoundedSerializer(IMessageSerializer inner, int maxBytes) : IMessageSerializer
{
    public string ContentType => inner.ContentType;

    public byte[] Write(Envelope envelope) => inner.Write(envelope);

    public byte[] WriteMessage(object message) => inner.WriteMessage(message);

    public object ReadFromData(Type messageType, Envelope envelope)
    {
        Check(envelope.Data?.Length ?? 0);
        return inner.ReadFromData(messageType, envelope);
    }

    public object ReadFromData(byte[] data)
    {
        Check(data.Length);
        return inner.ReadFromData(data);
    }

    private void Check(int length)
    {
        if (length > maxBytes) throw new MessageTooLargeException(length, maxBytes);
    }
}

public sealed class MessageTooLargeException(int length, int maxBytes)
    : Exception($"The message body has {length} bytes, more than the limit of {maxBytes} " +
                "(EventApp:EventBus:MaxMessageBytes)");
