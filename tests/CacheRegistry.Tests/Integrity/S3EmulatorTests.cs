using Amazon.S3;
using Amazon.S3.Model;
using CacheRegistry.Tests.Infrastructure;

namespace CacheRegistry.Tests.Integrity;

/// <summary>
/// The S3 emulator stands in for S3 in every PostgreSQL + S3 test, so it must keep what it
/// acknowledged. As published it does not: deleting an object removes its directory once that looks
/// empty, recursively and a moment later, taking an object put there meanwhile (tests/s3rver/start.js
/// patches it). A GC race test then read 404 for a blob the server had just been told was stored.
/// </summary>
[Collection(BackendCollection.Name)]
public sealed class S3EmulatorTests(BackendInfrastructure infrastructure)
{
    [Fact]
    public async Task An_object_put_while_its_neighbour_is_deleted_stays()
    {
        var s3 = await infrastructure.S3Async();
        using var client = s3.Connect();
        var prefix = $"emulator-{Guid.NewGuid():N}/";
        var kept = new System.Collections.Concurrent.ConcurrentBag<string>();

        // Eight writers go through the same fresh directories; in each, a writer puts an object and
        // deletes it (the directory may now look empty), then puts another, which must survive every
        // other writer's delete.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 300; i++)
            {
                var directory = $"{prefix}{i}/";
                var passing = $"{directory}{writer}-{i}-passing";
                await client.PutObjectAsync(new PutObjectRequest { BucketName = S3Emulator.Bucket, Key = passing, ContentBody = "passing" });
                await client.DeleteObjectAsync(S3Emulator.Bucket, passing);
                var staying = $"{directory}{writer}-{i}-staying";
                await client.PutObjectAsync(new PutObjectRequest { BucketName = S3Emulator.Bucket, Key = staying, ContentBody = "staying" });
                kept.Add(staying);
            }
        })));

        var lost = new List<string>();
        foreach (var key in kept)
        {
            try
            {
                await client.GetObjectMetadataAsync(S3Emulator.Bucket, key);
            }
            catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                lost.Add(key);
            }
        }
        Assert.True(lost.Count == 0, $"the emulator lost {lost.Count} of {kept.Count} acknowledged objects, e.g. {string.Join(", ", lost.Take(3))}");
    }
}
