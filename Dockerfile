# syntax=docker/dockerfile:1
# The errpages error backend for Kubernetes: the pages of deploy/errpages.toml
# (every built-in code and language) and their nginx.conf, served by the
# official nginx image as its unprivileged user, with a read-only root file
# system (only /tmp is written). Build and push it with your pages:
#
#     docker build -t registry.example/errpages-backend:1 .
#
# The request path is nginx alone; errpages only runs at build time.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /usr/local/bin/errpages ./cmd/errpages
RUN errpages build -q -c deploy/errpages.toml -o /out

FROM nginx:1.27-alpine
COPY --from=build /out /usr/share/errpages
COPY --from=build /out/backend/nginx.conf /etc/nginx/nginx.conf
# The official image's nginx user; the configuration writes only to /tmp.
USER 101
EXPOSE 8080
# nginx itself, without the image's entrypoint scripts, which would try to
# edit /etc/nginx on a read-only file system.
ENTRYPOINT ["nginx", "-g", "daemon off;"]
