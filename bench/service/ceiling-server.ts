import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

/*
 * The HTTP ceiling: a bare NestJS 11 app (Express, its default JSON body parser) with the two command
 * routes the bench sends, answering a constant. Run as its own process, like the API, and hit by the
 * same client.
 */
@Controller()
class ConstantController {
  @Post(['items/:id/progress', 'items/:id/urge'])
  @HttpCode(200)
  answer(@Body() _body: unknown): { id: string; revision: number; position: string } {
    return { id: 'constant', revision: 1, position: '1' };
  }
}

@Module({ controllers: [ConstantController] })
class CeilingModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(CeilingModule, { logger: false });
  app.setGlobalPrefix('api/v1');
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  process.send?.({ ready: true });
}

void main();
