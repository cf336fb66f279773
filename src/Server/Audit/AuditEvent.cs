namespace CacheRegistry.Server.Audit;

/// <summary>Who did what, when: a write, a delete, a token issued or revoked.</summary>
public sealed record AuditEvent(DateTimeOffset At, string Actor, string Action, string? Namespace, string? Target, int Status);
