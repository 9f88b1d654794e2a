import * as path from 'node:path';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { DemoUsersController } from './demo-users.controller';
import { findWebRoot, isApiPath } from './web-root';

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>责任清单台账</title>
<body style="font-family:sans-serif;padding:40px"><h1>网页尚未构建</h1><p>请先运行 <code>npm run build:web</code>，然后刷新本页。接口仍可通过 <a href="/api/docs">/api/docs</a> 使用。</p></body></html>`;

/**
 * Serves the web app (apps/web/dist) at `/`, with the SPA fallback to index.html for any other GET
 * that is not the API's. Registered on the HTTP adapter in onModuleInit, which Nest runs after it has
 * mounted its routes and before its 404 handler: the app never shadows a route of the API.
 */
@Module({ controllers: [DemoUsersController] })
export class WebModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter || adapter.getType() !== 'express') return;
    // express comes with @nestjs/platform-express (as create-app.ts reaches it too).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const express = require('express') as typeof import('express');
    const root = findWebRoot();
    if (root) {
      // Hashed asset names: cache for a year; index.html: always revalidate, so a deploy shows at once.
      adapter.use(
        express.static(root, {
          index: false,
          redirect: false,
          setHeaders: (res, file) => {
            res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
          },
        }),
      );
    }
    adapter.use((req: Request, res: Response, next: NextFunction) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next();
      // A missing file with an extension (e.g. /assets/old.js) is a 404, not the app's HTML.
      if (/\.[a-z0-9]{1,8}$/i.test(req.path) && req.path !== '/index.html') return next();
      res.setHeader('Cache-Control', 'no-cache');
      if (!root) return void res.status(200).type('html').send(NOT_BUILT);
      res.sendFile('index.html', { root });
    });
  }
}
