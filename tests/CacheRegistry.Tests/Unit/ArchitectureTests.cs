using System.Reflection;
using System.Reflection.Emit;
using CacheRegistry.Server;

namespace CacheRegistry.Tests.Unit;

/// <summary>
/// The layering the folders show, checked against the compiled code (not its text: implicit usings
/// would hide a dependency from a grep): the core uses no ASP.NET Core or gRPC type, and nothing but
/// the catalogs touches the database model.
/// </summary>
public class ArchitectureTests
{
    private static readonly Assembly Server = typeof(ServerHost).Assembly;

    [Fact]
    public void The_core_uses_no_ASP_NET_Core_or_gRPC_type()
    {
        var offending = TypesIn("CacheRegistry.Server.Core")
            .SelectMany(type => ReferencedTypes(type).Where(r => IsFrom(r, "Microsoft.AspNetCore") || IsFrom(r, "Grpc.")).Select(r => $"{type.FullName} uses {r.FullName}"))
            .Distinct().ToList();
        Assert.True(offending.Count == 0, string.Join("\n", offending));
        Assert.True(TypesIn("CacheRegistry.Server.Core").Count() > 30, "the core's types were not found");
        // The scan sees what it looks for: the HTTP door's request scope does use ASP.NET Core.
        Assert.Contains(ReferencedTypes(typeof(CacheRegistry.Server.Http.RequestScope)), r => IsFrom(r, "Microsoft.AspNetCore"));
    }

    [Fact]
    public void Only_the_catalogs_touch_the_database_model()
    {
        var model = Server.GetTypes().Where(t => t.Namespace == "CacheRegistry.Server.Metadata" && !t.IsPublic && !t.IsNested).ToHashSet();
        Assert.Contains(model, t => t.Name == "CacheDbContext");
        var offending = Server.GetTypes()
            .Where(t => t.Namespace?.StartsWith("CacheRegistry.Server.Metadata", StringComparison.Ordinal) != true)
            .SelectMany(type => ReferencedTypes(type).Where(model.Contains).Select(r => $"{type.FullName} uses {r.Name}"))
            .Distinct().ToList();
        Assert.True(offending.Count == 0, string.Join("\n", offending));
    }

    private static IEnumerable<Type> TypesIn(string ns) =>
        Server.GetTypes().Where(t => t.Namespace is { } n && (n == ns || n.StartsWith(ns + ".", StringComparison.Ordinal)));

    private static bool IsFrom(Type type, string prefix) => (type.Namespace ?? "").StartsWith(prefix, StringComparison.Ordinal);

    // Every type a type's signatures and method bodies mention (generic arguments included).
    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<Type>();
        if (type.BaseType is { } baseType) found.Add(baseType);
        found.AddRange(type.GetInterfaces());
        found.AddRange(type.GetFields(all).Select(f => f.FieldType));
        found.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info) found.Add(info.ReturnType);
            found.AddRange(method.GetParameters().Select(p => p.ParameterType));
            found.AddRange(TypesInBody(method));
        }
        return found.SelectMany(Expand).Distinct();
    }

    private static IEnumerable<Type> Expand(Type type)
    {
        if (type.HasElementType) return Expand(type.GetElementType()!);
        if (!type.IsGenericType) return [type];
        return type.GetGenericArguments().SelectMany(Expand).Prepend(type.GetGenericTypeDefinition());
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    // Walks the IL and resolves the tokens of method, field and type operands.
    private static IEnumerable<Type> TypesInBody(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i < il.Length;)
        {
            short value = il[i++];
            if (value == 0xFE) value = (short)(0xFE00 | il[i++]);
            var opCode = OpCodesByValue[value];
            var operandSize = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (opCode.OperandType is OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineType or OperandType.InlineTok)
            {
                MemberInfo? member = null;
                try
                {
                    member = module.ResolveMember(BitConverter.ToInt32(il, i), typeArguments, methodArguments);
                }
                catch (ArgumentException)
                {
                }
                switch (member)
                {
                    case Type t: yield return t; break;
                    case MethodBase m when m.DeclaringType is { } declaring: yield return declaring; break;
                    case FieldInfo f when f.DeclaringType is { } declaring: yield return declaring; yield return f.FieldType; break;
                }
            }
            i += operandSize;
        }
    }
}
