import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { Context, type RequestContext } from '../context/request-context.js';
import { RecordsService } from './records.service.js';

const BASE = 'api/v2/tenants/:tenant/databases/:database/collections/:id';

/** Chroma's record routes. Transport only: every rule is in RecordsService. */
@Controller(BASE)
export class RecordsController {
  constructor(@Inject(RecordsService) private readonly records: RecordsService) {}

  @Post('add')
  @HttpCode(201)
  add(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.add(ctx, id, body);
  }

  @Post('upsert')
  @HttpCode(200)
  upsert(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.upsert(ctx, id, body);
  }

  @Post('update')
  @HttpCode(200)
  update(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.update(ctx, id, body);
  }

  @Post('delete')
  @HttpCode(200)
  delete(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.delete(ctx, id, body);
  }

  @Post('get')
  @HttpCode(200)
  get(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.get(ctx, id, body);
  }

  @Post('query')
  @HttpCode(200)
  query(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.records.query(ctx, id, body);
  }

  @Get('count')
  count(
    @Context() ctx: RequestContext,
    @Param('id') id: string,
    @Query('read_level') readLevel: unknown,
  ) {
    return this.records.count(ctx, id, readLevel);
  }
}
