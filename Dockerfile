# A static Vardag binary in a small image that runs as a non-root user.
#   docker build -t vardag .
#   docker run -p 8080:8080 -v vardag-data:/data -e VARDAG_JWT_SECRET=... vardag
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/vardag ./server \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/vardag /vardag
# The data directory belongs to the nonroot user (65532) so a fresh volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/vardag", "-addr", "0.0.0.0:8080", "-data", "/data"]
