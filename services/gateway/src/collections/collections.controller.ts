import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { InvalidArgumentError } from '@huedb/core';
import { Context, type RequestContext } from '../context/request-context.js';
import { CollectionsService } from './collections.service.js';

/** Tenants, databases and collections (Chroma v2). Transport only. */
@Controller('api/v2/tenants')
export class CollectionsController {
  constructor(@Inject(CollectionsService) private readonly service: CollectionsService) {}

  @Post()
  @HttpCode(200)
  createTenant(@Body() body: unknown) {
    return this.service.createTenant(body);
  }

  @Get(':tenant')
  getTenant(@Context() ctx: RequestContext) {
    return this.service.getTenant(ctx);
  }

  @Patch(':tenant')
  updateTenant(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.updateTenant(ctx, body);
  }

  @Post(':tenant/databases')
  @HttpCode(200)
  createDatabase(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createDatabase(ctx, body);
  }

  @Get(':tenant/databases')
  listDatabases(
    @Context() ctx: RequestContext,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    return this.service.listDatabases(
      ctx,
      optionalInt(limit, 'limit'),
      optionalInt(offset, 'offset'),
    );
  }

  @Get(':tenant/databases/:database')
  getDatabase(@Context() ctx: RequestContext) {
    return this.service.getDatabase(ctx);
  }

  @Delete(':tenant/databases/:database')
  deleteDatabase(@Context() ctx: RequestContext) {
    return this.service.deleteDatabase(ctx);
  }

  @Post(':tenant/databases/:database/collections')
  @HttpCode(200)
  createCollection(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createCollection(ctx, body);
  }

  @Get(':tenant/databases/:database/collections')
  listCollections(
    @Context() ctx: RequestContext,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    return this.service.listCollections(
      ctx,
      optionalInt(limit, 'limit'),
      optionalInt(offset, 'offset'),
    );
  }

  @Get(':tenant/databases/:database/collections_count')
  countCollections(@Context() ctx: RequestContext) {
    return this.service.countCollections(ctx);
  }

  @Get(':tenant/databases/:database/collections/by-id/:id')
  getCollectionById(@Context() ctx: RequestContext, @Param('id') id: string) {
    return this.service.getById(ctx, id);
  }

  @Get(':tenant/databases/:database/collections/:name')
  getCollection(@Context() ctx: RequestContext, @Param('name') name: string) {
    return this.service.getByName(ctx, name);
  }

  @Put(':tenant/databases/:database/collections/:id')
  updateCollection(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.service.update(ctx, id, body);
  }

  @Delete(':tenant/databases/:database/collections/:name')
  deleteCollection(@Context() ctx: RequestContext, @Param('name') name: string) {
    return this.service.deleteByName(ctx, name);
  }
}

/** A query-string integer (limit, offset); absent → undefined; anything else → 400. */
function optionalInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
  }
  return n;
}
