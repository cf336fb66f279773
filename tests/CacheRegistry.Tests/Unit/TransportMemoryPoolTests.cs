using CacheRegistry.Server.Hosting;

namespace CacheRegistry.Tests.Unit;

/// <summary>The pool of Kestrel's connection buffers: whole blocks, reused, a bounded number kept idle.</summary>
public sealed class TransportMemoryPoolTests
{
    [Fact]
    public void Every_rent_gets_a_whole_block_and_a_returned_block_is_rented_again()
    {
        using var pool = new TransportMemoryPool();
        var first = pool.Rent(2_048);
        Assert.Equal(TransportMemoryPool.BlockSize, first.Memory.Length);
        Assert.Equal(TransportMemoryPool.BlockSize, pool.MaxBufferSize);
        first.Memory.Span.Fill(7);
        var array = first.Memory;

        first.Dispose();
        Assert.Equal(1, pool.IdleCount);
        var again = pool.Rent();
        Assert.True(again.Memory.Span.Overlaps(array.Span), "the returned block is reused");
        Assert.Equal(0, pool.IdleCount);
        again.Dispose();
    }

    [Fact]
    public void A_lease_disposed_again_after_its_block_was_rented_again_gives_nothing_back()
    {
        using var pool = new TransportMemoryPool();
        var stale = pool.Rent();
        stale.Dispose();
        var current = pool.Rent(); // the same block, to a new renter
        Assert.True(current.Memory.Span.Overlaps(stale.Memory.Span));
        stale.Dispose();
        Assert.Equal(0, pool.IdleCount);
        var other = pool.Rent();
        Assert.False(other.Memory.Span.Overlaps(current.Memory.Span), "two renters never share a block");
    }

    [Fact]
    public void Every_pool_Kestrel_creates_is_the_one_pool()
    {
        var factory = new TransportMemoryPoolFactory();
        Assert.Same(factory.Create(), factory.Create());
    }

    [Fact]
    public void At_most_MaxRetained_blocks_are_kept_idle()
    {
        using var pool = new TransportMemoryPool();
        var leases = Enumerable.Range(0, TransportMemoryPool.MaxRetained + 50).Select(_ => pool.Rent()).ToList();
        foreach (var lease in leases) lease.Dispose();
        Assert.Equal(TransportMemoryPool.MaxRetained, pool.IdleCount);
    }

    [Fact]
    public void Concurrent_renters_never_share_a_block()
    {
        using var pool = new TransportMemoryPool();
        var shared = 0;
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                using var lease = pool.Rent();
                var span = lease.Memory.Span;
                span[0] = (byte)worker;
                span[^1] = (byte)worker;
                Thread.SpinWait(20);
                if (span[0] != worker || span[^1] != worker) Interlocked.Increment(ref shared);
            }
        });
        Assert.Equal(0, shared);
        Assert.InRange(pool.IdleCount, 1, TransportMemoryPool.MaxRetained);
    }

    [Fact]
    public void A_request_for_more_than_a_block_is_refused()
    {
        using var pool = new TransportMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(TransportMemoryPool.BlockSize + 1));
    }
}
