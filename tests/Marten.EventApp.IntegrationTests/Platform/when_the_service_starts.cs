using Alba;

namespace Marten.EventApp.IntegrationTests.Platform;

[Collection(AppCollection.Name)]
public sealed class when_the_service_starts(AppFixture fixture)
{
    [Fact]
    public async Task health_reports_the_database_healthy()
    {
        var result = await fixture.Host.Scenario(x =>
        {
            x.Get.Url("/health");
            x.StatusCodeShouldBeOk();
        });
        Assert.Equal("Healthy", await result.ReadAsTextAsync());
    }
}
