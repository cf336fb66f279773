using CacheRegistry.Server.Metadata;

namespace CacheRegistry.Tests.Unit;

public sealed class SqlBatchTests
{
    [Fact]
    public void Each_statement_numbers_its_own_parameters_and_points_at_them_in_the_batch()
    {
        var batch = new SqlBatch()
            .Add("UPDATE blobs SET hit_count = {0} WHERE digest = {1}", 3L, "aa")
            .Add("DELETE FROM t WHERE a = {0} OR b = {0} OR c IN ({1}) OR d = {2}", "x", SqlList.Of(["y", "z"]), null);

        Assert.Equal(["UPDATE blobs SET hit_count = @p0 WHERE digest = @p1",
            "DELETE FROM t WHERE a = @p0 OR b = @p0 OR c IN (@p1, @p2) OR d = NULL"], batch.Statements.Select(s => s.NamedSql));
        Assert.Equal([(0, 2), (2, 3)], batch.Statements.Select(s => (s.FirstParameter, s.ParameterCount)));
        Assert.Equal([3L, "aa", "x", "y", "z"], batch.Parameters);
        // EF Core's form numbers them across the batch.
        Assert.Equal("UPDATE blobs SET hit_count = {0} WHERE digest = {1};\nDELETE FROM t WHERE a = {2} OR b = {2} OR c IN ({3}, {4}) OR d = NULL;\n", batch.Sql);
    }

    [Fact]
    public void A_statement_has_the_same_text_wherever_it_stands()
    {
        var statement = "UPDATE blobs SET hit_count = hit_count + {0} WHERE digest = {1}";
        var batch = new SqlBatch().Add(statement, 1L, "a").Add(statement, 2L, "b");
        Assert.Single(batch.Statements.Select(s => s.NamedSql).Distinct());
    }
}
