import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { RecordsService } from './records.service.js';

const BASE = 'api/v2/tenants/:tenant/databases/:database/collections/:id';

/** Chroma's record routes. Transport only: every rule is in RecordsService. */
@Controller(BASE)
export class RecordsController {
  constructor(@Inject(RecordsService) private readonly records: RecordsService) {}

  @Post('add')
  @HttpCode(201)
  add(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.records.add(t, d, id, body);
  }

  @Post('upsert')
  @HttpCode(200)
  upsert(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.records.upsert(t, d, id, body);
  }

  @Post('update')
  @HttpCode(200)
  update(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.records.update(t, d, id, body);
  }

  @Post('delete')
  @HttpCode(200)
  delete(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.records.delete(t, d, id, body);
  }

  @Post('get')
  @HttpCode(200)
  get(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.records.get(t, d, id, body);
  }

  @Post('query')
  @HttpCode(200)
  query(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    return this.records.query(t, d, id, body);
  }

  @Get('count')
  count(
    @Param('tenant') t: string,
    @Param('database') d: string,
    @Param('id') id: string,
    @Query('read_level') readLevel: unknown,
  ) {
    return this.records.count(t, d, id, readLevel);
  }
}
