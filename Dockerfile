# CacheRegistry server image: build with the SDK, run on the ASP.NET runtime as a non-root user.
#   docker build -t cacheregistry .
#   docker run -p 8080:8080 -v cache-data:/data cacheregistry
# Configuration is environment variables (CacheRegistry__Database__Provider=PostgreSQL, ...; see README).

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# The same command CI runs and smoke-tests.
RUN ./deploy/publish.sh /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl: the health check. (zstd is managed code, ZstdSharp.Port: no native library.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown app:app /data
WORKDIR /app
COPY --from=build /app .
USER app
ENV Urls=http://0.0.0.0:8080 \
    CacheRegistry__DataDirectory=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["dotnet", "CacheRegistry.Server.dll"]
